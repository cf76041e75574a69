import type { INodeProperties } from 'n8n-workflow';

import { heldEntryProperties, settleHeld } from './heldEntries';

export const description: INodeProperties[] = heldEntryProperties('discardHeld');

/** Throws single held entries away (they are kept as discarded, with who and why). */
export const execute = settleHeld('discardHeld');
