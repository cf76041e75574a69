import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { AccessPin, PurchaseEvent } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * The access state machine over every order of one purchase's events. Each permutation is its own
 * person and order, so they share one ledger without touching each other.
 */
type Step = 'capture' | 'capture again' | 'refund' | 'dispute opened' | 'dispute won' | 'dispute lost';

function permutations<T>(items: readonly T[]): T[][] {
	if (items.length <= 1) return [[...items]];
	return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

const WON_SET: Step[] = ['capture', 'capture again', 'refund', 'dispute opened', 'dispute won'];
const LOST_SET: Step[] = ['capture', 'capture again', 'refund', 'dispute opened', 'dispute lost'];
const RESTORE_SET: Step[] = ['capture', 'capture again', 'dispute opened', 'dispute won'];

function eventFor(step: Step, n: string): PurchaseEvent {
	const o = { order: `pi_${n}`, customer: `cus_${n}`, email: `p${n}@example.com` };
	const id = `evt_${n}_${step.replace(' ', '_')}`;
	const payload =
		step === 'capture'
			? stripe.checkoutCompleted(id, o)
			: step === 'capture again'
				? stripe.asyncSucceeded(id, o)
				: step === 'refund'
					? stripe.chargeRefunded(id, o)
					: step === 'dispute opened'
						? stripe.dispute(id, 'charge.dispute.created', 'needs_response', o)
						: stripe.dispute(id, 'charge.dispute.closed', step === 'dispute won' ? 'won' : 'lost', o);
	return normalizePurchaseEvent('stripe', payload);
}

const LAUNCH = 'perm';
const PRODUCT = 'course';

interface Run {
	contactId: string;
	/** Access state after each step. */
	states: string[];
	/** grant / revoke entries in the outbox, in the order they were enqueued. */
	effects: string[];
}

async function run(t: TestLedger, steps: Step[], n: string, pin?: AccessPin): Promise<Run> {
	const { contactId } = await t.ledger.contacts.upsert({ launch: LAUNCH, email: `p${n}@example.com` });
	if (pin) await t.ledger.purchases.pin({ launch: LAUNCH, contactId, productId: PRODUCT, pin, reason: 'permutation test', by: 'test' });
	const states: string[] = [];
	for (const step of steps) {
		const decision = await t.ledger.purchases.apply(LAUNCH, eventFor(step, n));
		// A dispute before its capture names no person or product: kept, matched when the capture comes.
		if (step.startsWith('capture')) assert.equal(decision.contactId, contactId, `${steps.join(' → ')}: matched`);
		assert.notEqual(decision.decision, 'review', `${steps.join(' → ')}: ${decision.reason}`);
		const access = await t.ledger.purchases.access({ launch: LAUNCH, contactId, productId: PRODUCT });
		states.push(access?.state ?? 'none');
	}
	const rows = await t.ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [LAUNCH, contactId]);
	return { contactId, states, effects: rows.map((r) => r.kind) };
}

const hasAccess = (state: string) => state === 'granted' || state === 'revoke_pending';

/** Grants and revokes alternate, starting with a grant: never a second grant while one is in effect. */
function assertAlternating(label: string, effects: string[]): void {
	effects.forEach((kind, i) => assert.equal(kind, i % 2 === 0 ? 'grant' : 'revoke', `${label}: effects ${effects.join(', ')}`));
}

for (const driver of DRIVERS) {
	describe(`[${driver}] access state machine over every order of one purchase's events`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
			await t.ledger.purchases.defineProduct({ launch: LAUNCH, productId: PRODUCT, amount: 5900, currency: 'USD' });
		});
		after(async () => t.cleanup());

		it('{capture, capture again, refund, dispute opened, dispute won}: one grant at a time, no access after the refund', async () => {
			const orders = permutations(WON_SET);
			assert.equal(orders.length, 120);
			for (const [i, steps] of orders.entries()) {
				const label = steps.join(' → ');
				const r = await run(t, steps, `w${i}`);
				assertAlternating(label, r.effects);
				const refundAt = steps.indexOf('refund');
				r.states.slice(refundAt).forEach((s) => assert.ok(!hasAccess(s), `${label}: access after the refund (${r.states.join(', ')})`));
				assert.ok(r.effects.filter((k) => k === 'grant').length <= 2, `${label}: at most the first grant and one restore`);
				assert.notEqual(r.effects.at(-1), 'grant', `${label}: the last effect is not a grant`);
			}
		});

		it('{capture, capture again, refund, dispute opened, dispute lost}: never access after the lost dispute or the refund', async () => {
			for (const [i, steps] of permutations(LOST_SET).entries()) {
				const label = steps.join(' → ');
				const r = await run(t, steps, `l${i}`);
				assertAlternating(label, r.effects);
				const final = Math.min(steps.indexOf('refund'), steps.indexOf('dispute lost'));
				r.states.slice(final).forEach((s) => assert.ok(!hasAccess(s), `${label}: access after a final event (${r.states.join(', ')})`));
				assert.ok(r.effects.filter((k) => k === 'grant').length <= 1, `${label}: never restored`);
			}
		});

		it('{capture, capture again, dispute opened, dispute won}: access ends granted, revoked at most once in between', async () => {
			for (const [i, steps] of permutations(RESTORE_SET).entries()) {
				const label = steps.join(' → ');
				const r = await run(t, steps, `r${i}`);
				assertAlternating(label, r.effects);
				assert.equal(r.states.at(-1), 'granted', `${label}: ${r.states.join(', ')}`);
				assert.equal(r.effects.at(-1), 'grant', label);
				// Access before any capture is impossible.
				r.states.slice(0, steps.indexOf('capture') < steps.indexOf('capture again') ? steps.indexOf('capture') : steps.indexOf('capture again')).forEach((s) => assert.equal(s, 'none', label));
			}
		});

		it('pins are respected in every order: a grant pin grants once and holds; a revoke pin never grants', async () => {
			for (const [i, steps] of permutations(WON_SET).entries()) {
				const label = steps.join(' → ');
				const granted = await run(t, steps, `pg${i}`, 'grant');
				assert.deepEqual(granted.effects, ['grant'], `${label}: grant pin`);
				assert.ok(granted.states.every((s) => s === 'granted'), `${label}: grant pin holds (${granted.states.join(', ')})`);
				const revoked = await run(t, steps, `pr${i}`, 'revoke');
				assert.deepEqual(revoked.effects, [], `${label}: revoke pin`);
				assert.ok(revoked.states.every((s) => !hasAccess(s)), `${label}: revoke pin holds`);
			}
		});
	});
}
