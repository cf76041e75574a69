import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../shared/parameters';
import * as sweep from './sweep/Sweep.resource';

/** Every parameter of version 1: the operation, the launch, and each operation's own fields. */
export const versionProperties: INodeProperties[] = [...sweep.operationProperty, launchProperty, ...sweep.description];
