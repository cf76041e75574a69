import { RECONCILED_TAG, type ChecklistRun, type Ledger, type OutboxEntry } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { testAddress, waitFor } from '../actions/common';
import { send } from './http';
import type { StepOutcome } from './outcome';
import { deliveryFix, noteDelivered, stripeSignature, unknownProduct, webhookFix } from './purchaseFlow';

export interface EdgeCasesInput {
	run: ChecklistRun;
	testEmail: string;
	webhookUrl: string;
	signingSecret: string | null;
	productId: string;
	amount: number;
	currency: string;
	waitMs: number;
	/** The creator's Kit and HubSpot credentials, to note the records the delivery made there (for Clean Up). */
	kitSecret: string | null;
	hubspotToken: string | null;
}

/** One edge case's result: what it showed, and a fix when it failed or a reason while it waits. */
interface CaseResult {
	status: 'passed' | 'failed' | 'waiting';
	said: string;
	evidence: IDataObject;
}

/** The test payments, shaped as Stripe sends them in test mode; ids carry the run so a repeat is a duplicate. */
const ids = (run: ChecklistRun, name: string) => ({ eventId: `evt_checklist_${run.id}_${name}`, order: `pi_checklist_${run.id}_${name}` });

function checkoutCompleted(input: EdgeCasesInput, name: string, email: string, token: string): object {
	const { eventId, order } = ids(input.run, name);
	const session = {
		id: `cs_test_checklist_${input.run.id}_${name}`,
		object: 'checkout.session',
		amount_total: input.amount,
		currency: input.currency.toLowerCase(),
		client_reference_id: token,
		customer: null,
		customer_details: { email, name: 'Checklist Buyer' },
		metadata: { product_id: input.productId, wl_token: token, checklist_run: input.run.id },
		mode: 'payment',
		payment_intent: order,
		payment_status: 'paid',
		status: 'complete',
	};
	return { id: eventId, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), type: 'checkout.session.completed', livemode: false, data: { object: session } };
}

function chargeRefunded(input: EdgeCasesInput, ofCase: string, email: string): object {
	const { order } = ids(input.run, ofCase);
	const charge = {
		id: `ch_checklist_${input.run.id}_${ofCase}`,
		object: 'charge',
		amount: input.amount,
		amount_refunded: input.amount,
		refunded: true,
		currency: input.currency.toLowerCase(),
		customer: null,
		billing_details: { email },
		metadata: { product_id: input.productId, checklist_run: input.run.id },
		payment_intent: order,
	};
	return { id: ids(input.run, 'refund').eventId, object: 'event', api_version: '2024-06-20', created: Math.floor(Date.now() / 1000), type: 'charge.refunded', livemode: false, data: { object: charge } };
}

const signed = (body: object, secret: string) => {
	const rawBody = JSON.stringify(body);
	return { rawBody, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': stripeSignature(rawBody, secret) } };
};

/** A test buyer in the test launch with their checkout token. */
async function buyer(ledger: Ledger, input: EdgeCasesInput, purpose: string): Promise<{ email: string; contactId: string; token: string }> {
	const { run } = input;
	const email = testAddress(input.testEmail, run, purpose);
	const { contactId } = await ledger.contacts.upsert({ launch: run.testLaunch, email, isTest: true, source: 'checklist' });
	await ledger.checklist.noteRecord({ runId: run.id, system: 'ledger', kind: 'contact', recordId: contactId, label: email });
	const token = await ledger.purchases.createCheckoutToken({ launch: run.testLaunch, contactId, productId: input.productId, source: 'checklist' });
	return { email, contactId, token: token.token };
}

/** The work of one kind for a contact, once its latest entry is settled (done or given up on); null while it moves. */
async function settledWork(ledger: Ledger, launch: string, contactId: string, kind: 'grant' | 'revoke'): Promise<OutboxEntry | null> {
	const entries = (await ledger.outbox.list({ launch, contactId, kinds: [kind] })).filter((e) => e.kind === kind);
	const last = entries[entries.length - 1];
	return last && (last.status === 'done' || last.status === 'dead' || last.status === 'held' || (last.status === 'failed' && last.lastError !== null)) ? last : null;
}

const workJson = (e: OutboxEntry | null | undefined): IDataObject | null => (e ? { id: e.id, kind: e.kind, status: e.status, attempts: e.attempts, lastError: e.lastError } : null);

/** A delivery that did not go through, in words: the same fixes as step 3. */
function undelivered(work: OutboxEntry | null, what: string, evidence: IDataObject): CaseResult {
	if (!work) return { status: 'waiting', said: `${what}: the outbox drain has not delivered it yet (it runs every minute). Run this step again (same Run ID) to finish.`, evidence };
	if (work.status === 'held') return { status: 'failed', said: `${what}: held by the kill switch. Resume the launch on the kill switch page, then run this step again.`, evidence };
	return { status: 'failed', said: `${what}: the delivery platform did not take it (${work.lastError ?? work.status}). ${deliveryFix(work.lastError ?? '')}`, evidence };
}

async function post(ctx: IExecuteFunctions, input: EdgeCasesInput, body: object, secret: string) {
	const { rawBody, headers } = signed(body, secret);
	return send(ctx, { method: 'POST', url: input.webhookUrl, body: rawBody, headers });
}

/** 4a: paid with another email, but with the checkout token: matched to the test contact by the token. */
async function otherEmail(ctx: IExecuteFunctions, ledger: Ledger, input: EdgeCasesInput, secret: string): Promise<CaseResult & { email?: string; contactId?: string }> {
	const { run } = input;
	const who = await buyer(ledger, input, 'token');
	const paidWith = testAddress(input.testEmail, run, 'paid-with-other-email');
	const answer = await post(ctx, input, checkoutCompleted(input, 'other_email', paidWith, who.token), secret);
	const evidence: IDataObject = { waitlistEmail: who.email, paidWithEmail: paidWith, contactId: who.contactId, webhook: { status: answer.status, error: answer.error } };
	if (answer.status !== 200) return { status: 'failed', said: `The payment webhook answered ${answer.status ?? 'nothing'}. ${webhookFix(answer.status, input.webhookUrl, answer.error)}`, evidence };
	await ledger.checklist.noteRecord({ runId: run.id, system: 'delivery', kind: 'grant', recordId: who.email, label: `access to ${input.productId} (paid with another email)` });
	const grant = await waitFor(() => settledWork(ledger, run.testLaunch, who.contactId, 'grant'), input.waitMs);
	if (grant?.status === 'done') await noteDelivered(ctx, ledger, input, who.email, `access to ${input.productId} (paid with another email)`);
	const [inbox] = await ledger.purchases.inbox(run.testLaunch, { eventId: ids(run, 'other_email').eventId });
	const paidContact = await ledger.contacts.find({ launch: run.testLaunch, kind: 'email', value: paidWith });
	Object.assign(evidence, { inbox: inbox ? { status: inbox.status, decision: inbox.decision, contactId: inbox.contactId } : null, paidEmailBelongsTo: paidContact?.id ?? null, grant: workJson(grant) });
	if (inbox && inbox.status === 'processed' && inbox.contactId !== who.contactId) {
		return {
			status: 'failed',
			said: `A payment made with another email (${paidWith}) was not matched to the waitlist contact although it carried their checkout token (decided "${inbox.decision ?? ''}"). Pass the token to the checkout: in the checkout workflow, "Stripe: create Checkout Session" must send client_reference_id (and metadata.wl_token) = the token from "Checkout token".`,
			evidence,
		};
	}
	if (!grant) return { ...undelivered(null, 'The grant for the payment made with another email', evidence), email: who.email, contactId: who.contactId };
	if (grant.status !== 'done') return undelivered(grant, 'The grant for the payment made with another email', evidence);
	return { status: 'passed', said: `Paid with another email (${paidWith}): matched to ${who.email} by the checkout token, access granted and delivered.`, evidence, email: who.email, contactId: who.contactId };
}

/** 4b: the refund of that payment, with the test launch's refund window shortened to none, ends in a revoke. */
async function refund(ctx: IExecuteFunctions, ledger: Ledger, input: EdgeCasesInput, secret: string, who: { email: string; contactId: string }): Promise<CaseResult> {
	const { run } = input;
	const answer = await post(ctx, input, chargeRefunded(input, 'other_email', who.email), secret);
	const evidence: IDataObject = { email: who.email, refundWindow: 'none (test launch)', webhook: { status: answer.status, error: answer.error } };
	if (answer.status !== 200) return { status: 'failed', said: `The refund webhook answered ${answer.status ?? 'nothing'}. ${webhookFix(answer.status, input.webhookUrl, answer.error)}`, evidence };
	const revoke = await waitFor(() => settledWork(ledger, run.testLaunch, who.contactId, 'revoke'), input.waitMs);
	const access = await ledger.purchases.access({ launch: run.testLaunch, contactId: who.contactId, productId: input.productId });
	const [inbox] = await ledger.purchases.inbox(run.testLaunch, { eventId: ids(run, 'refund').eventId });
	Object.assign(evidence, { inbox: inbox ? { status: inbox.status, decision: inbox.decision } : null, access: access?.state ?? null, revoke: workJson(revoke) });
	if (!inbox) return { status: 'failed', said: 'The refund was answered but is not in the test launch: the refund was taken as a real launch\'s payment. This is a fault in the pack; report it with this evidence.', evidence };
	if (inbox.status === 'processed' && inbox.decision !== 'revoke') {
		return { status: 'failed', said: `The refund was decided "${inbox.decision ?? ''}" instead of a revoke (access is ${access?.state ?? 'none'}). Check the Purchase Match node's refund window and that the refund is of the whole amount; see the Waitlist Review desk for the item it raised.`, evidence };
	}
	if (!revoke || revoke.status !== 'done') return undelivered(revoke, 'The revoke after the refund', evidence);
	return { status: 'passed', said: `Refunded: access ${access?.state ?? 'revoked'}, and the delivery platform took the revoke.`, evidence };
}

/**
 * 4c: a payment whose webhook run was lost — kept by the same receive the webhook uses, but no run
 * started — healed by the checkout workflow's schedule (Replay unprocessed payments) and tagged.
 */
async function droppedWebhook(ctx: IExecuteFunctions, ledger: Ledger, input: EdgeCasesInput, secret: string): Promise<CaseResult> {
	const { run } = input;
	const who = await buyer(ledger, input, 'dropped');
	const { rawBody, headers } = signed(checkoutCompleted(input, 'dropped', who.email, who.token), secret);
	const kept = await ledger.purchases.receive({ launch: run.launch, provider: 'stripe', secret, rawBody, headers });
	const evidence: IDataObject = { email: who.email, dropped: { inboxId: kept.id, verified: kept.verification.ok, duplicate: kept.duplicate, runStarted: false } };
	await ledger.checklist.noteRecord({ runId: run.id, system: 'delivery', kind: 'grant', recordId: who.email, label: `access to ${input.productId} (healed after a dropped webhook)` });
	const healed = await waitFor(async () => {
		const grant = await settledWork(ledger, run.testLaunch, who.contactId, 'grant');
		const tags = (await ledger.tags.ofContact(who.contactId)).map((t) => t.tag);
		return grant && tags.includes(RECONCILED_TAG) ? { grant, tags } : null;
	}, input.waitMs);
	const [inbox] = await ledger.purchases.inbox(run.testLaunch, { eventId: ids(run, 'dropped').eventId });
	const tags = healed?.tags ?? (await ledger.tags.ofContact(who.contactId)).map((t) => t.tag);
	Object.assign(evidence, { inbox: inbox ? { status: inbox.status, decision: inbox.decision } : null, contactTags: tags, grant: workJson(healed?.grant) });
	if (!healed) {
		if (inbox?.status === 'processed' && !tags.includes(RECONCILED_TAG)) {
			return { status: 'failed', said: `The dropped payment was processed but its contact was not tagged \`${RECONCILED_TAG}\`. This is a fault in the pack; report it with this evidence.`, evidence };
		}
		return {
			status: 'waiting',
			said: 'The dropped payment waits for the checkout workflow\'s schedule ("Every minute" → Replay unprocessed payments), which heals it within a minute or two. If it still waits after that, publish the checkout workflow (its schedule runs only when it is published). Run this step again (same Run ID) to finish.',
			evidence,
		};
	}
	if (healed.grant.status !== 'done') return undelivered(healed.grant, 'The grant of the healed payment', evidence);
	await noteDelivered(ctx, ledger, input, who.email, `access to ${input.productId} (healed after a dropped webhook)`);
	return { status: 'passed', said: `A payment whose webhook run was lost was healed by the scheduled replay: access granted, delivered, and the contact tagged \`${RECONCILED_TAG}\`.`, evidence };
}

/** Step 4: the three edge cases in the run's test launch, each with its evidence and, when it failed, its fix. */
export async function edgeCases(ctx: IExecuteFunctions, ledger: Ledger, input: EdgeCasesInput): Promise<StepOutcome> {
	const secret = input.signingSecret;
	if (!secret) return { status: 'failed', reason: 'No signing secret to sign the test payments with.', fix: 'Select the "Stripe Webhook Signing Secret" credential (the one the Purchase Webhook Trigger uses) on this node.', evidence: {} };
	const { products } = await ledger.checklist.prepareTestLaunch(input.run.id);
	if (!products.includes(input.productId)) return unknownProduct(input);
	const first = await otherEmail(ctx, ledger, input, secret);
	const second: CaseResult =
		first.status === 'passed' && first.email && first.contactId
			? await refund(ctx, ledger, input, secret, { email: first.email, contactId: first.contactId })
			: { status: first.status === 'failed' ? 'failed' : 'waiting', said: 'Not tried yet: the refund is of the payment made with another email, which has not gone through.', evidence: {} };
	const third = await droppedWebhook(ctx, ledger, input, secret);
	const cases = { otherEmail: first, refund: second, droppedWebhook: third };
	const evidence: IDataObject = Object.fromEntries(Object.entries(cases).map(([name, c]) => [name, { status: c.status, said: c.said, ...c.evidence }]));
	const failed = Object.values(cases).filter((c) => c.status === 'failed' && !c.said.startsWith('Not tried yet'));
	if (failed.length > 0) return { status: 'failed', reason: `${failed.length} of 3 edge cases failed.`, fix: failed.map((c) => c.said).join('\n'), evidence };
	const waiting = Object.values(cases).filter((c) => c.status !== 'passed');
	if (waiting.length > 0) return { status: 'waiting', reason: waiting.map((c) => c.said).join('\n'), fix: null, evidence };
	return { status: 'passed', reason: Object.values(cases).map((c) => c.said).join('\n'), fix: null, evidence };
}
