import type { INodeProperties } from 'n8n-workflow';

import * as reviewItem from './reviewItem/ReviewItem.resource';

/**
 * The parameters of version 1, gathered from the operation files. The node-level fields (name, icon,
 * outputs, credentials) stay in WaitlistReview.node.ts, where n8n's lint reads them. One resource,
 * so no Resource parameter: the operations are the first choice.
 */
export const versionProperties: INodeProperties[] = [...reviewItem.description];
