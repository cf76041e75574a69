import type { INodeProperties } from 'n8n-workflow';

import { listByStatus, listProperties } from './listEntries';

export const description: INodeProperties[] = listProperties('listDead');

/** The dead letter: entries that ran out of attempts, with their last error. */
export const execute = listByStatus('dead');
