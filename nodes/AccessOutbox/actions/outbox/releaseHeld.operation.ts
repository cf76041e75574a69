import type { INodeProperties } from 'n8n-workflow';

import { heldEntryProperties, settleHeld } from './heldEntries';

export const description: INodeProperties[] = heldEntryProperties('releaseHeld');

/** Lets single held entries through, even while the kill switch is on. */
export const execute = settleHeld('releaseHeld');
