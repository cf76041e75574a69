/**
 * A few hours of launch history for dashboard tests and screenshots: per five-minute window some
 * signups (most with UTMs) and now and then a purchase matched to one of them, each window kept as
 * a snapshot when it ended — what the template's schedule would have left. Contacts are created
 * through the ledger and then moved into their window (no API sets a creation time); purchases carry
 * their capture time; their grants are delivered, so the history is a healthy one. A few of each
 * window's signups came through the first one's referral link (a credit recorded in the window; one
 * in five withheld), for the referral tile.
 */
import { inList, type SqlValue } from '../../ledger/internal';
import type { Ledger, PurchaseEvent } from '../../ledger';

const SOURCES = [
	{ utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring-launch' },
	{ utm_source: 'instagram', utm_medium: 'paid_social', utm_campaign: 'spring-launch' },
	{ utm_source: 'podcast', utm_medium: 'audio', utm_campaign: 'episode-12' },
];

export async function seedHealthyHistory(ledger: Ledger, options: { launch?: string; windows?: number; windowMs?: number; now?: number } = {}): Promise<{ signups: number }> {
	const launch = options.launch ?? 'default';
	const windowMs = options.windowMs ?? 300_000;
	const windows = options.windows ?? 36;
	const end = Math.floor((options.now ?? Date.now()) / windowMs) * windowMs;
	await ledger.settings.update(launch, { alerts: { liveAt: end - windows * windowMs } });
	await ledger.purchases.defineProduct({ launch, productId: 'course', name: 'My course', amount: 5900, currency: 'USD' });
	let signups = 0;
	for (let k = windows; k >= 1; k--) {
		const start = end - k * windowMs;
		const n = 9 + Math.round(4 * Math.sin(k / 3)) + (k % 4);
		const outcomes = await ledger.contacts.upsertMany(
			Array.from({ length: n }, (_, i) => ({
				launch,
				email: `history.${k}.${i}@example.com`,
				fields: { first_name: ['Ada', 'Grace', 'Alan', 'Katherine', 'Edsger', 'Barbara'][i % 6]! },
				attribution: i % 9 === 8 ? {} : SOURCES[(k + i) % SOURCES.length]!,
			})),
		);
		const ids = outcomes.map((o) => {
			if (!o.ok) throw new Error(String(o.error));
			return o.result.contactId;
		});
		const params: SqlValue[] = [start + 1_000];
		await ledger.store.execute(`UPDATE contacts SET created_at = $1 WHERE id IN (${inList(ids, params)})`, params);
		signups += n;
		const referred = ids.slice(1, 2 + (k % 4));
		for (const [i, referredId] of referred.entries()) {
			await ledger.store.execute(
				'INSERT INTO referral_credits (launch, referred_id, referrer_id, code, status, reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)',
				[launch, referredId, ids[0]!, 'HISTORY0', (k + i) % 5 === 0 ? 'withheld' : 'credited', (k + i) % 5 === 0 ? 'flagged: many signups from one network' : null, start + 1_500],
			);
		}
		if (k % 3 === 0) {
			const event: PurchaseEvent = {
				provider: 'stripe',
				eventId: `evt_history_${k}`,
				type: 'captured',
				providerType: 'checkout.session.completed',
				orderId: `pi_history_${k}`,
				productId: 'course',
				amount: 5900,
				currency: 'USD',
				email: `history.${k}.0@example.com`,
				customerId: null,
				checkoutToken: null,
				occurredAt: start + 2_000,
			};
			await ledger.purchases.apply(launch, event);
		}
		await ledger.monitor.takeSnapshot({ launch, now: start + windowMs + 500 });
	}
	// Deliver the grants, as the checkout template's delivery steps would have.
	for (;;) {
		const claimed = await ledger.outbox.claim({ launch, kinds: 'grant', limit: 100, leaseMs: 60_000, workerId: 'history' });
		if (claimed.length === 0) break;
		await ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken, responseId: `delivered-${c.id}` })));
	}
	return { signups };
}
