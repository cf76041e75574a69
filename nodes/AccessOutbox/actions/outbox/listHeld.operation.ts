import type { INodeProperties } from 'n8n-workflow';

import { listByStatus, listProperties } from './listEntries';

export const description: INodeProperties[] = listProperties('listHeld');

/** Entries waiting behind the kill switch, oldest first. */
export const execute = listByStatus('held');
