import type { INodeProperties } from 'n8n-workflow';

import * as checklist from './checklist/Checklist.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * credentials) stay in LaunchChecklist.node.ts, where n8n's lint reads them. One resource, so the
 * operations are the first choice.
 */
export const versionProperties: INodeProperties[] = [...checklist.description];
