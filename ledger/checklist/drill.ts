import type { ContactsApi } from '../contacts/api';
import type { OutboxApi } from '../outbox/api';
import type { PurchaseEvent } from '../purchases/normalize';
import type { PurchasesApi } from '../purchases/api';
import { HOLDING_TAG } from '../system-tags';
import type { TagsApi } from '../tags/api';
import type { ChecklistRun } from './runs';

/** The parts of the ledger the drill goes through: the same calls the kill switch page and the payment path make. */
export interface DrillParts {
	contacts: ContactsApi;
	purchases: PurchasesApi;
	outbox: OutboxApi;
	tags: TagsApi;
}

export interface DrillOutcome {
	passed: boolean;
	/** In words: what the drill showed, or where it stopped. */
	summary: string;
	/** The stage that went wrong, when it failed. */
	failedAt: string | null;
	fix: string | null;
	evidence: Record<string, unknown>;
}

const BY = 'Launch Checklist (rollback drill)';
const PRODUCT = 'checklist-drill';

function paidEvent(run: ChecklistRun, email: string): PurchaseEvent {
	return {
		provider: 'generic',
		eventId: `${run.id}-drill-paid`,
		type: 'captured',
		providerType: 'checklist.drill.paid',
		orderId: `${run.id}-drill-order`,
		productId: PRODUCT,
		amount: 100,
		currency: 'USD',
		email,
		customerId: null,
		checkoutToken: null,
		occurredAt: null,
	};
}

/** Stops the drill at a stage: the fix says what the result means for launch day. */
class DrillStop extends Error {
	constructor(
		readonly stage: string,
		readonly fix: string,
	) {
		super(stage);
	}
}

function expect(condition: boolean, stage: string, fix: string): void {
	if (!condition) throw new DrillStop(stage, fix);
}

const REPORT =
	'This is a fault in the pack, not in your set-up: do not rely on the kill switch for this launch until it is fixed. Report it with this evidence (Launch Checklist → Get Report).';

/**
 * Step 6 on the run's test launch, so the real launch's kill switch is never touched: pause grants,
 * a paid purchase arrives and its grant is held with the buyer in the holding segment, resume, the
 * same payment arrives again, and exactly one grant is handed out and delivered.
 */
export async function rollbackDrill(parts: DrillParts, run: ChecklistRun, now = Date.now()): Promise<DrillOutcome> {
	const launch = run.testLaunch;
	const email = `checklist-drill+${run.id}@example.com`;
	const evidence: Record<string, unknown> = { testLaunch: launch, email };
	try {
		await parts.purchases.defineProduct({ launch, productId: PRODUCT, name: 'Checklist drill product', amount: 100, currency: 'USD' });
		const { contactId } = await parts.contacts.upsert({ launch, email, source: 'checklist' });
		evidence.contactId = contactId;
		const paused = await parts.outbox.pause({ launch, scope: 'grants', by: BY, reason: 'pre-launch rollback drill', source: 'checklist', now });
		evidence.pause = paused.state;
		expect(paused.state.paused, 'kill switch on', `The kill switch did not turn on. ${REPORT}`);

		const first = await parts.purchases.apply(launch, paidEvent(run, email), { source: 'checklist', now: now + 1 });
		const held = first.outboxId ? await parts.outbox.get(first.outboxId) : null;
		const tags = (await parts.tags.ofContact(contactId)).map((t) => t.tag);
		evidence.whilePaused = { decision: first.decision, reason: first.reason, grantStatus: held?.status ?? null, contactTags: tags };
		expect(first.decision === 'grant' && held !== null, 'paid purchase decided', `A paid test purchase was not decided as a grant (${first.reason}). ${REPORT}`);
		expect(held!.status === 'held', 'grant held', `With the kill switch on, the grant was "${held!.status}" instead of held: access would go out during a pause. ${REPORT}`);
		expect(tags.includes(HOLDING_TAG), 'holding segment', `The buyer was not put in the holding segment (tag "${HOLDING_TAG}") while grants were paused. ${REPORT}`);

		const resumed = await parts.outbox.resume({ launch, by: BY, reason: 'drill: resume', source: 'checklist' });
		const again = await parts.purchases.apply(launch, paidEvent(run, email), { source: 'checklist', now: now + 2 });
		const grants = (await parts.outbox.list({ launch, contactId })).filter((e) => e.kind === 'grant');
		evidence.afterResume = { released: resumed.released, repeatedPayment: { decision: again.decision, duplicate: again.duplicate }, grants: grants.map((g) => ({ id: g.id, status: g.status })) };
		expect(grants.length === 1, 'one grant after resume', `After resume and a repeated payment there were ${grants.length} grants for one purchase instead of exactly one. ${REPORT}`);

		const claimed = await parts.outbox.claim({ launch, kinds: ['grant'], limit: 10, leaseMs: 60_000, workerId: 'checklist-drill' });
		const acked = await parts.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
		evidence.delivered = { claimed: claimed.length, acked: acked.map((a) => a.outcome) };
		expect(claimed.length === 1, 'grant handed out once', `The drain was handed ${claimed.length} grants after resume instead of exactly one. ${REPORT}`);
		return { passed: true, summary: 'The kill switch held the grant and put the buyer in the holding segment; resume released it, and exactly one grant was handed out.', failedAt: null, fix: null, evidence };
	} catch (error) {
		if (!(error instanceof DrillStop)) throw error;
		return { passed: false, summary: `The drill stopped at: ${error.stage}.`, failedAt: error.stage, fix: error.fix, evidence };
	}
}
