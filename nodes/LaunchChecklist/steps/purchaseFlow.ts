import { createHmac } from 'node:crypto';

import type { ChecklistRun, InboxEntry, Ledger, OutboxEntry } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { testAddress, waitFor } from '../actions/common';
import { send } from './http';
import type { StepOutcome } from './outcome';
import { readHubspotContact, readKitSubscriber } from './vendors';

export interface PurchaseFlowInput {
	run: ChecklistRun;
	testEmail: string;
	webhookUrl: string;
	/** The Stripe endpoint's signing secret (whsec_…), from the creator's credential. */
	signingSecret: string | null;
	productId: string;
	amount: number;
	currency: string;
	waitMs: number;
	/** The creator's Kit and HubSpot credentials, to note the records the delivery made there (for Clean Up). */
	kitSecret: string | null;
	hubspotToken: string | null;
}

/** A Stripe checkout.session.completed for the test buyer, shaped as Stripe sends it (test mode). */
function testEvent(input: PurchaseFlowInput, email: string, token: string): object {
	const { run } = input;
	return {
		id: `evt_checklist_${run.id}`,
		object: 'event',
		api_version: '2024-06-20',
		created: Math.floor(Date.now() / 1000),
		type: 'checkout.session.completed',
		livemode: false,
		data: {
			object: {
				id: `cs_test_checklist_${run.id}`,
				object: 'checkout.session',
				amount_total: input.amount,
				currency: input.currency.toLowerCase(),
				client_reference_id: token,
				customer: null,
				customer_details: { email, name: 'Checklist Buyer' },
				metadata: { product_id: input.productId, wl_token: token, checklist_run: run.id },
				mode: 'payment',
				payment_intent: `pi_checklist_${run.id}`,
				payment_status: 'paid',
				status: 'complete',
			},
		},
	};
}

/** Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body"> with the endpoint's secret. */
export function stripeSignature(rawBody: string, secret: string): string {
	const t = Math.floor(Date.now() / 1000);
	return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex')}`;
}

export function webhookFix(status: number | null, url: string, error: string | null): string {
	if (status === 401) {
		return 'The payment webhook refused the test payment\'s signature (401): the Stripe signing secret does not match. In Stripe → Developers → Webhooks → your endpoint → Signing secret → Reveal, copy the whsec_… value into the "Stripe Webhook Signing Secret" credential, and select that same credential on the Purchase Webhook Trigger and on this node.';
	}
	if (status === 404) return `Nothing answers at the Purchase Webhook URL ${url}: publish the checkout workflow (Purchase Webhook Trigger) and copy its Production URL into Purchase Webhook URL.`;
	if (status === 500) return 'The Purchase Webhook Trigger has no signing secret (500): select a "Stripe Webhook Signing Secret" credential on it.';
	if (status === null) return `The Purchase Webhook URL ${url} could not be reached (${error ?? 'no answer'}): check the address and that n8n is running.`;
	return `The payment webhook answered ${status}: check the Purchase Webhook Trigger (provider Stripe) and run this step again.`;
}

/** Where the chain stands: the inbox entry, the access, the grant; null while it is still moving. */
export interface ChainState {
	inbox: InboxEntry | null;
	accessState: string | null;
	grants: OutboxEntry[];
}

/** Where the test buyer's payment stands; `eventId` null: the provider's own event (a live run), found by the buyer. */
export async function chainState(ledger: Ledger, input: Pick<PurchaseFlowInput, 'run' | 'productId'>, contactId: string, eventId: string | null = `evt_checklist_${input.run.id}`): Promise<ChainState> {
	// The test payment is kept in the run's test launch (its checkout token was made there).
	const launch = input.run.testLaunch;
	const [inbox] = eventId ? await ledger.purchases.inbox(launch, { eventId }) : (await ledger.purchases.inbox(launch, { provider: 'stripe' })).filter((e) => e.contactId === contactId || (e.status === 'received' && !e.eventId?.startsWith('evt_checklist_')));
	const access = await ledger.purchases.access({ launch, contactId, productId: input.productId });
	const grants = (await ledger.outbox.list({ launch, contactId, kinds: ['grant'] })).filter((e) => e.kind === 'grant');
	return { inbox: inbox ?? null, accessState: access?.state ?? null, grants };
}

export const finished = (s: ChainState): boolean =>
	s.inbox !== null &&
	(s.inbox.status === 'ignored' || s.inbox.status === 'rejected' || (s.inbox.status === 'processed' && (s.inbox.decision !== 'grant' || s.grants.some((g) => ['done', 'dead', 'held'].includes(g.status) || (g.status === 'failed' && g.lastError !== null)))));

export function chainOutcome(s: ChainState, evidence: IDataObject, input: Pick<PurchaseFlowInput, 'productId' | 'amount' | 'currency'>): StepOutcome {
	const grant = s.grants[0];
	if (!s.inbox) return { status: 'waiting', reason: 'The webhook answered 200 but the payment is not in the ledger yet; run this step again in a minute.', fix: null, evidence };
	if (s.inbox.status === 'received') return { status: 'waiting', reason: 'The payment is in the inbox but Purchase Match has not run on it yet; check the checkout workflow\'s executions, then run this step again.', fix: null, evidence };
	if (s.inbox.decision !== 'grant') {
		return { status: 'failed', reason: `The test payment was decided "${s.inbox.decision ?? s.inbox.status}" instead of a grant.`, fix: `Check that Product ID "${input.productId}" is a product of this launch with price ${input.amount} ${input.currency.toUpperCase()} (Purchase Match → Define Product), and see the Waitlist Review desk for the item it raised.`, evidence };
	}
	if (!grant) return { status: 'failed', reason: 'Access was decided but no grant was queued.', fix: 'This is a fault in the pack; report it with this evidence.', evidence };
	if (grant.status === 'held') return { status: 'failed', reason: 'The grant is held: the launch\'s kill switch is on.', fix: 'Resume the launch on the kill switch page (or release the held grant) before launch day, then run this step again.', evidence };
	if (grant.status === 'done') return { status: 'passed', reason: `Webhook → match → grant → delivery: the test buyer has access (${s.accessState ?? 'granted'}) and the delivery platform took the grant.`, fix: null, evidence };
	if (grant.status === 'dead' || grant.status === 'failed') return { status: 'failed', reason: `The delivery platform did not take the grant: ${grant.lastError ?? 'no error recorded'}.`, fix: deliveryFix(grant.lastError ?? ''), evidence };
	return { status: 'waiting', reason: `The grant is ${grant.status}: the outbox drain delivers it within a minute or two. Run this step again (same Run ID) to finish.`, fix: null, evidence };
}

export function deliveryFix(error: string): string {
	if (/\b40[13]\b/.test(error)) return 'The delivery platform refused the grant (401/403): the API key or token on the drain\'s delivery node is wrong or lacks permission to enroll people. Create a key with that permission in your course platform, put it in the credential, and run this step again.';
	if (/\b404\b/.test(error)) return 'The delivery platform answered 404: the course, offer or role in the drain\'s delivery node does not exist. Copy its ID again from the platform.';
	return 'Check the drain\'s delivery node (URL and credential) against your course platform, then run this step again.';
}

/** The delivery may have written the buyer to the course platform, Kit (a customer tag) and HubSpot: noted for Clean Up. */
export async function noteDelivered(ctx: IExecuteFunctions, ledger: Ledger, input: Pick<PurchaseFlowInput, 'run' | 'productId' | 'kitSecret' | 'hubspotToken'>, email: string, label = `access to ${input.productId}`): Promise<void> {
	const runId = input.run.id;
	await ledger.checklist.noteRecord({ runId, system: 'delivery', kind: 'grant', recordId: email, label });
	if (input.kitSecret && (await readKitSubscriber(ctx, input.kitSecret, email)).found) await ledger.checklist.noteRecord({ runId, system: 'kit', kind: 'subscriber', recordId: email, label: 'test buyer' });
	const hubspot = input.hubspotToken ? await readHubspotContact(ctx, input.hubspotToken, email, ['email']) : null;
	if (hubspot?.found && hubspot.id) await ledger.checklist.noteRecord({ runId, system: 'hubspot', kind: 'contact', recordId: hubspot.id, label: email });
}

/** The product to buy is not one of the launch's: nothing is sent. */
export function unknownProduct(input: { run: ChecklistRun; productId: string }): StepOutcome {
	return {
		status: 'failed',
		reason: `Launch "${input.run.launch}" has no product "${input.productId}".`,
		fix: `Define the product first (checkout workflow → "Set up the product" → Define the product, with the Product ID your checkout uses), or put that Product ID on this node, then run this step again.`,
		evidence: { productId: input.productId },
	};
}

/** Step 3, dry run: a signed test payment through the real webhook, followed through match, grant and delivery. */
export async function purchaseFlow(ctx: IExecuteFunctions, ledger: Ledger, input: PurchaseFlowInput): Promise<StepOutcome> {
	const { run } = input;
	if (!input.signingSecret) return { status: 'failed', reason: 'No signing secret to sign the test payment with.', fix: 'Select the "Stripe Webhook Signing Secret" credential (the one the Purchase Webhook Trigger uses) on this node.', evidence: {} };
	const email = testAddress(input.testEmail, run, 'buyer');
	// The buyer and their checkout token live in the test launch; the payment follows its token there.
	const { products } = await ledger.checklist.prepareTestLaunch(run.id);
	if (!products.includes(input.productId)) return unknownProduct(input);
	const { contactId } = await ledger.contacts.upsert({ launch: run.testLaunch, email, isTest: true, source: 'checklist' });
	await ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: contactId, label: email });
	const token = await ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId, productId: input.productId, source: 'checklist' });
	const rawBody = JSON.stringify(testEvent(input, email, token.token));
	const answer = await send(ctx, { method: 'POST', url: input.webhookUrl, body: rawBody, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': stripeSignature(rawBody, input.signingSecret) } });
	const evidence: IDataObject = { email, contactId, checkoutToken: token.token, sent: { eventId: `evt_checklist_${run.id}`, type: 'checkout.session.completed', amount: input.amount, currency: input.currency, productId: input.productId }, webhook: { url: input.webhookUrl, status: answer.status, body: answer.body as IDataObject, error: answer.error } };
	if (answer.status !== 200) return { status: 'failed', reason: `The payment webhook answered ${answer.status ?? 'nothing'}.`, fix: webhookFix(answer.status, input.webhookUrl, answer.error), evidence };

	const state = (await waitFor(async () => ((s) => (finished(s) ? s : null))(await chainState(ledger, input, contactId)), input.waitMs)) ?? (await chainState(ledger, input, contactId));
	evidence.ledger = { inbox: state.inbox ? { id: state.inbox.id, status: state.inbox.status, decision: state.inbox.decision, lastError: state.inbox.lastError } : null, access: state.accessState, grants: state.grants.map((g) => ({ id: g.id, status: g.status, attempts: g.attempts, lastError: g.lastError, responseId: g.responseId })) };
	if (state.grants.some((g) => g.status === 'done')) await noteDelivered(ctx, ledger, input, email);
	return chainOutcome(state, evidence, input);
}
