import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { PurchaseFact, PurchaseFactSource, VendorContactRecord } from '../../ledger';
import { RECONCILED_TAG } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/** A vendor list as a stream, the way a paginated API delivers it. */
async function* stream<T>(records: T[]): AsyncGenerator<T> {
	for (const record of records) {
		await Promise.resolve();
		yield record;
	}
}

/**
 * The purchases module (not built yet) will implement PurchaseFactSource over its tables; until then
 * the test states the facts it would report. The ledger itself (contacts, outbox, tags) is real.
 */
function purchaseFacts(facts: PurchaseFact[]): PurchaseFactSource {
	return {
		forOrders: async (_tx, _launch, orderIds) => facts.filter((f) => orderIds.includes(f.orderId)),
		forAccess: async (_tx, _launch, pairs) => facts.filter((f) => pairs.some((p) => p.contactId === f.contactId && p.productId === f.productId)),
	};
}

for (const driver of DRIVERS) {
	describe(`[${driver}] reconcile sweep over streamed vendor lists`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('turns every difference into outbox work or a report, tags the healed, and is idempotent', async () => {
			const launch = 'sweep';
			await t.ledger.tags.add({ launch, tag: 'early-bird' });
			await t.ledger.tags.add({ launch, tag: 'buyer' });
			const id: Record<string, string> = {};
			for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) id[name] = (await t.ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
			id.test = (await t.ledger.contacts.upsert({ launch, email: 'test@example.com', isTest: true })).contactId;
			await t.ledger.tags.apply({ launch, contactId: id.a!, tags: ['early-bird'] });
			await t.ledger.tags.apply({ launch, contactId: id.b!, tags: ['buyer'] });
			// f's ESP sync is already on its way (capture enqueued it): the sweep must not add a second one.
			await t.ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: 'capture:f', contactId: id.f });

			const esp: VendorContactRecord[] = [
				{ email: 'A@example.com', id: 1, tags: ['Early Bird'] },
				{ email: 'b@example.com', id: 2, tags: [] },
				{ email: 'c@example.com', id: 3 },
				{ email: 'stranger@example.com', id: 4 },
				{ email: 'not-an-email', id: 5 },
				{ email: 'C@Example.com', id: 6 },
			];
			const crm: VendorContactRecord[] = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => ({ email: `${n}@example.com`, id: `crm-${i}`, ...(n === 'a' ? { tags: ['early-bird', 'buyer', 'vip-from-crm'] } : {}) }));
			const facts = purchaseFacts([
				{ orderId: 'o1', contactId: id.a!, productId: 'course', state: 'paid', accessGranted: false },
				{ orderId: 'o2', contactId: id.b!, productId: 'course', state: 'refunded', accessGranted: true },
				{ orderId: 'o5', contactId: id.d!, productId: 'course', state: 'dispute_lost', accessGranted: false },
			]);
			const checkout = [
				{ orderId: 'o1', email: 'a@example.com', status: 'paid' },
				{ orderId: 'o2', email: 'b@example.com', status: 'refunded' },
				{ orderId: 'o3', email: 'nobody@example.com', status: 'paid' },
				{ orderId: 'o4', email: 'c@example.com', status: 'paid' },
			];
			const delivery = [
				{ email: 'd@example.com', productId: 'course' },
				{ email: 'a@example.com', productId: 'course' },
			];
			const sweep = () =>
				t.ledger.reconcile.sweep({
					launch,
					esp: stream(esp),
					crm: stream(crm),
					checkout: stream(checkout),
					delivery: stream(delivery),
					purchases: facts,
					batchSize: 2, // several batches, and c's duplicate lands in another batch than c
				});

			// The lists are taken after every write above. A contact written in the listing's own millisecond
			// counts as changed since and waits for the next sweep (the flake seen in CI), so let the clock turn.
			await new Promise((resolve) => setTimeout(resolve, 5));
			const report = await sweep();
			assert.deepEqual(report.systems.esp, { records: 6, invalid: 1, duplicates: 1, unknownInLedger: 1, missingInVendor: 3, tagDrift: 1, grants: 0, revokes: 0, review: 0, changedSinceListed: 0 });
			assert.deepEqual(report.systems.crm, { records: 6, invalid: 0, duplicates: 0, unknownInLedger: 0, missingInVendor: 0, tagDrift: 1, grants: 0, revokes: 0, review: 0, changedSinceListed: 0 });
			assert.equal(report.systems.checkout?.grants, 1);
			assert.equal(report.systems.checkout?.revokes, 1);
			assert.equal(report.systems.checkout?.review, 1);
			assert.equal(report.systems.delivery?.revokes, 1);
			assert.equal(report.outbox.byStatus.pending, 1, 'part (a) reports the outbox as found');

			const entries = await t.ledger.outbox.list({ launch, limit: 100 });
			const byKey = new Map(entries.map((e) => [e.idempotencyKey, e]));
			assert.deepEqual(
				[...byKey.keys()].sort(),
				[
					'capture:f',
					`reconcile:esp_sync:${id.d}`,
					`reconcile:esp_sync:${id.e}`,
					`reconcile:grant:${id.a}:course`,
					`reconcile:revoke:${id.b}:course`,
					`reconcile:revoke:${id.d}:course`,
					`reconcile:tag_sync:crm:${id.a}`,
					`reconcile:tag_sync:esp:${id.b}`,
				].sort(),
				'missing d and e synced (f already queued, the test contact skipped), drift fixed, paid → grant, refunded / lost dispute → revoke',
			);
			assert.deepEqual(byKey.get(`reconcile:tag_sync:esp:${id.b}`)?.payload.add, ['buyer']);
			assert.deepEqual(byKey.get(`reconcile:tag_sync:crm:${id.a}`)?.payload.remove, ['buyer'], 'a registry tag the contact lacks is removed; vip-from-crm is not the ledger\'s');
			assert.equal(report.fixes, 7);

			for (const name of ['a', 'b', 'd', 'e']) assert.ok((await t.ledger.contacts.get(id[name]!))?.tags.includes(RECONCILED_TAG), `${name} tagged ${RECONCILED_TAG}`);
			assert.ok(!(await t.ledger.contacts.get(id.c!))?.tags.includes(RECONCILED_TAG));
			const fixEvents = await t.ledger.contacts.history(id.d!, { types: ['reconcile.fix'] });
			assert.deepEqual(fixEvents.map((e) => e.data.finding).sort(), ['missing_in_vendor', 'revoke']);

			const review = await t.ledger.review.list(launch);
			assert.deepEqual(review.map((r) => [r.reason, r.payload.orderId]), [['purchase_without_contact', 'o3']]);
			const duplicates = await t.ledger.reconcile.findings(report.runId, { kinds: ['duplicate'] });
			assert.deepEqual(duplicates.map((d) => [d.system, d.data.email, d.contactId]), [['esp', 'c@example.com', id.c]]);
			const unknown = await t.ledger.reconcile.findings(report.runId, { kinds: ['unknown_in_ledger', 'invalid_record'] });
			assert.deepEqual(unknown.map((u) => u.kind).sort(), ['invalid_record', 'unknown_in_ledger']);
			const [staged] = await t.ledger.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM reconcile_seen');
			assert.equal(Number(staged?.n), 0, 'staging rows are removed after the run');

			// Again with the same lists while the fixes are still pending: nothing new.
			const again = await sweep();
			assert.equal(again.fixes, 0);
			assert.equal((await t.ledger.outbox.list({ launch, limit: 100 })).length, entries.length);
			assert.equal((await t.ledger.review.list(launch)).length, 1, 'one review item per order');

			// The drain delivers everything, but the vendors' lists still lack it: the sweep reopens.
			const claimed = await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' });
			await t.ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			// The lists are fetched after the acks (an ack in the very millisecond of the fetch would be
			// "delivered since the list" and not judged).
			await new Promise((resolve) => setTimeout(resolve, 5));
			const third = await sweep();
			assert.equal(third.fixes, 8, 'the 7 fixes reopened, plus f, whose capture sync is done but did not arrive');
			const missing = await t.ledger.reconcile.findings(third.runId, { kinds: ['missing_in_vendor'] });
			assert.deepEqual(
				missing.map((r) => [r.contactId, r.data.outcome]).sort(),
				[
					[id.d, 'reopened'],
					[id.e, 'reopened'],
					[id.f, 'created'],
				].sort(),
			);
		});
		it('judges contacts only by lists fetched after their last sync: delivered since the fetch is no finding, no fix, no reconciled tag', async () => {
			const launch = 'listed';
			await t.ledger.tags.add({ launch, tag: 'early-bird' });
			const id: Record<string, string> = {};
			for (const name of ['acked-late', 'acked-early', 'claimed', 'drift-late', 'present']) id[name] = (await t.ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
			await t.ledger.tags.apply({ launch, contactId: id['drift-late']!, tags: ['early-bird'] });
			const enqueue = (key: string, kind: string, contactId: string) => t.ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId });
			const deliver = async (...entryIds: string[]) => {
				const claimed = await t.ledger.outbox.claim({ launch, ids: entryIds, limit: entryIds.length, leaseMs: 60_000, workerId: 'drain' });
				assert.equal(claimed.length, entryIds.length);
				await t.ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			};
			const early = await enqueue('capture:acked-early', 'esp_sync', id['acked-early']!);
			const late = await enqueue('capture:acked-late', 'esp_sync', id['acked-late']!);
			const inFlight = await enqueue('capture:claimed', 'esp_sync', id.claimed!);
			const tagFix = await enqueue(`reconcile:tag_sync:esp:${id['drift-late']}`, 'tag_sync', id['drift-late']!);
			await deliver(early.id);
			// Claimed before the fetch and not acked yet: the worker may have written to the vendor after it.
			assert.equal((await t.ledger.outbox.claim({ launch, ids: [inFlight.id], limit: 1, leaseMs: 600_000, workerId: 'slow' })).length, 1);
			const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

			// The lists are fetched now; the drain acks two entries and someone signs up while they page.
			await tick();
			const listedAt = Date.now();
			const esp: VendorContactRecord[] = [
				{ email: 'present@example.com', id: 1 },
				{ email: 'drift-late@example.com', id: 2, tags: [] },
			];
			await deliver(late.id, tagFix.id);
			id['signed-up-late'] = (await t.ledger.contacts.upsert({ launch, email: 'signed-up-late@example.com' })).contactId;

			const first = await t.ledger.reconcile.sweep({ launch, esp: stream(esp), listedAt: { esp: listedAt } });
			assert.deepEqual(
				first.systems.esp,
				{ records: 2, invalid: 0, duplicates: 0, unknownInLedger: 0, missingInVendor: 1, tagDrift: 0, grants: 0, revokes: 0, review: 0, changedSinceListed: 4 },
				'only the contact acked before the fetch is missing; acked, claimed, tagged or signed up since are not judged',
			);
			assert.equal(first.fixes, 1);
			const findings = await t.ledger.reconcile.findings(first.runId);
			assert.deepEqual(findings.map((f) => [f.kind, f.contactId]), [['missing_in_vendor', id['acked-early']]]);
			const keys = (await t.ledger.outbox.list({ launch, limit: 100 })).map((e) => e.idempotencyKey);
			assert.ok(keys.includes(`reconcile:esp_sync:${id['acked-early']}`), 'acked before the fetch and absent from the list: a fix');
			for (const name of ['acked-late', 'claimed', 'signed-up-late']) assert.ok(!keys.includes(`reconcile:esp_sync:${id[name]}`), `no second sync for ${name}`);
			for (const name of ['acked-late', 'drift-late', 'claimed', 'signed-up-late']) {
				assert.ok(!(await t.ledger.contacts.get(id[name]!))?.tags.includes(RECONCILED_TAG), `${name} not tagged ${RECONCILED_TAG}`);
				assert.deepEqual(await t.ledger.contacts.history(id[name]!, { types: ['reconcile.fix'] }), [], `no reconcile.fix event for ${name}`);
			}
			assert.ok((await t.ledger.contacts.get(id['acked-early']!))?.tags.includes(RECONCILED_TAG));

			// Without listedAt the lists count as fetched when the sweep starts: everything delivered
			// before it and still absent is missing now (the claimed entry is still in a worker's hands).
			await tick();
			const second = await t.ledger.reconcile.sweep({ launch, esp: stream(esp) });
			assert.equal(second.systems.esp?.changedSinceListed, 1);
			assert.equal(second.systems.esp?.tagDrift, 1);
			const missing = await t.ledger.reconcile.findings(second.runId, { kinds: ['missing_in_vendor'] });
			assert.deepEqual(
				missing.map((f) => [f.contactId, f.data.outcome]).sort(),
				[
					[id['acked-early'], 'queued'],
					[id['acked-late'], 'created'],
					[id['signed-up-late'], 'created'],
				].sort(),
			);
			assert.equal(second.fixes, 3, 'two syncs created and the delivered tag fix reopened');
		});

		it('counts a contact as in the list when the vendor has any of its emails, in the swept launch only', async () => {
			const launch = 'second-email';
			const two = (await t.ledger.contacts.upsert({ launch, email: 'two@example.com' })).contactId;
			assert.equal((await t.ledger.contacts.link({ launch, contactId: two, kind: 'email', value: 'two.work@example.com' })).status, 'linked');
			const one = (await t.ledger.contacts.upsert({ launch, email: 'one@example.com' })).contactId;
			// Another launch's contact under the listed work email is not this sweep's.
			const elsewhere = (await t.ledger.contacts.upsert({ launch: 'second-email-other', email: 'two.work@example.com' })).contactId;
			await new Promise((resolve) => setTimeout(resolve, 5));

			const esp = [{ email: 'TWO.Work@example.com', id: 'w' }, { email: 'nobody@example.com', id: 'n' }];
			const report = await t.ledger.reconcile.sweep({ launch, esp: stream(esp), batchSize: 1 });
			assert.equal(report.systems.esp?.unknownInLedger, 1, 'nobody@ only');
			assert.equal(report.systems.esp?.missingInVendor, 1);
			const missing = await t.ledger.reconcile.findings(report.runId, { kinds: ['missing_in_vendor'] });
			assert.deepEqual(missing.map((f) => f.contactId), [one], 'two is in the list under its work email; one is missing');

			const other = await t.ledger.reconcile.sweep({ launch: 'second-email-other', esp: stream([{ email: 'two@example.com' }]) });
			assert.equal(other.systems.esp?.unknownInLedger, 1, 'two@ belongs to the other launch');
			const otherMissing = await t.ledger.reconcile.findings(other.runId, { kinds: ['missing_in_vendor'] });
			assert.deepEqual(otherMissing.map((f) => f.contactId), [elsewhere]);
		});

		it('refuses a listedAt that is not a time or lies in the future, naming the field', async () => {
			await assert.rejects(t.ledger.reconcile.sweep({ launch: 'listed-bad', esp: stream([]), listedAt: { crm: Date.now() + 3_600_000 } }), /listedAt\.crm.*later than now/);
			await assert.rejects(t.ledger.reconcile.sweep({ launch: 'listed-bad', esp: stream([]), listedAt: Number.NaN }), /listedAt.*milliseconds/);
		});
	});
}
