import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as outbox from './outbox/Outbox.resource';

/** Every parameter of version 1: the launch, the operation, and each operation's own fields. */
export const versionProperties: INodeProperties[] = [launchProperty, ...outbox.description];
