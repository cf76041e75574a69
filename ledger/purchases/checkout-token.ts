import { randomBytes } from 'node:crypto';

import { requiredText } from '../checks';
import { linkIdentifier } from '../contacts/identifiers';
import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { validateLaunch } from './inbox';
import { CHECKOUT_TOKEN_KEY } from './normalize';

export interface CheckoutToken {
	token: string;
	contactId: string;
	/** What to pass to each provider so the token comes back in its webhook. */
	stripe: { client_reference_id: string; metadata: Record<string, string> };
	lemonSqueezy: { checkout_data: { custom: Record<string, string> } };
	paddle: { custom_data: Record<string, string> };
	shopify: { attributes: Record<string, string> };
	gumroad: { url_params: Record<string, string> };
}

/** An opaque token bound to the contact, stored as its purchase_token identifier. */
export async function createCheckoutToken(tx: SqlExecutor, input: { launch: string; contactId: string; source?: string }): Promise<CheckoutToken> {
	const launch = validateLaunch(input.launch);
	const contactId = requiredText(input.contactId, 'contactId', 200);
	const token = `wlt_${randomBytes(16).toString('hex')}`;
	const link = await linkIdentifier(tx, { launch, contactId, kind: 'purchase_token', value: token, source: input.source });
	if (link.status !== 'linked') throw new LedgerInputError('contactId', `a checkout token could not be linked to contact ${contactId} (${link.review?.reason ?? link.status})`);
	const carried = { [CHECKOUT_TOKEN_KEY]: token };
	return {
		token,
		contactId,
		stripe: { client_reference_id: token, metadata: carried },
		lemonSqueezy: { checkout_data: { custom: carried } },
		paddle: { custom_data: carried },
		shopify: { attributes: carried },
		gumroad: { url_params: carried },
	};
}
