import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, requiredText } from '../../../shared/parameters';
import type { Routed } from '../common';

export const description: INodeProperties[] = [];

/** Where one person's access to one product stands, with its pin. */
export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const contactId = requiredText(this, 'contactId', itemIndex, '{{ $json.contactId }}');
	const productId = requiredText(this, 'productId', itemIndex, '"course-101"');
	const access = await ledger.purchases.access({ launch, contactId, productId });
	return [
		{
			output: 'done',
			json: access
				? {
						launch,
						contactId,
						productId,
						state: access.state,
						hasAccess: access.state === 'granted' || access.state === 'revoke_pending',
						revokeAfter: access.revokeAfter === null ? null : new Date(access.revokeAfter).toISOString(),
						pin: access.pin,
						pinReason: access.pinReason,
						pinnedBy: access.pinnedBy,
						updatedAt: new Date(access.updatedAt).toISOString(),
					}
				: { launch, contactId, productId, state: 'none', hasAccess: false, revokeAfter: null, pin: null, pinReason: null, pinnedBy: null, updatedAt: null },
		},
	];
}
