import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as monitor from './monitor/Monitor.resource';

/** Every parameter of version 1: the launch, the operation, and each operation's own fields. */
export const versionProperties: INodeProperties[] = [launchProperty, ...monitor.description];
