import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type CaptureOptions, type SignupBody, type SubmitResult } from '../../ledger';
import { PHONE_UNRECOGNIZED_TAG } from '../../ledger/internal';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

/**
 * Phone-first signups: a contact with a phone and no email gets its CRM sync at once and its ESP sync
 * waits (status `waiting`: not failed, not dead, not claimable) until an email is linked — by a later
 * signup with the same phone, Waitlist Contact → Link or a merge — and then goes out once.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
type Accepted = Extract<SubmitResult, { accepted: true }>;

async function phoneFirstLaunch(t: TestLedger, launch: string): Promise<void> {
	await t.ledger.settings.update(launch, { canonicalKey: 'phone', defaultCountry: 'GB' });
}

async function signup(t: TestLedger, launch: string, fields: Record<string, unknown>, options: CaptureOptions = {}): Promise<Accepted['result']> {
	const result = await t.ledger.capture.submit({ launch, options, request: { body: json(fields), remoteAddress: '203.0.113.9', userAgent: 'contract-test' } });
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return (result as Accepted).result;
}

const claimAll = (t: TestLedger, launch: string, kinds: string) => t.ledger.outbox.claim({ launch, kinds, limit: 100, leaseMs: 60_000, workerId: 'test' });
const espEntries = async (t: TestLedger, launch: string, contactId: string) => t.ledger.outbox.list({ launch, kinds: 'esp_sync', contactId });

for (const driver of DRIVERS) {
	describe(`[${driver}] phone-first signups: the ESP sync waits for an email`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a phone-only signup syncs to the CRM at once; its ESP sync waits, is not claimed, and a second phone-only signup joins it', async () => {
			const launch = 'phone-wait';
			await phoneFirstLaunch(t, launch);
			const first = await signup(t, launch, { phone: '020 7946 0958', first_name: 'Ada', utm_source: 'tiktok', utm_medium: 'social' });
			assert.deepEqual(
				first.pendingSync.map((p) => [p.kind, p.created, p.status]),
				[
					['esp_sync', true, 'waiting'],
					['crm_sync', true, 'pending'],
				],
			);
			assert.deepEqual(await claimAll(t, launch, 'esp_sync'), [], 'a waiting ESP sync is not handed out');
			assert.deepEqual((await claimAll(t, launch, 'crm_sync')).map((e) => e.contactId), [first.contactId], 'the CRM takes phone-only people');
			const health = await t.ledger.outbox.health(launch);
			assert.deepEqual([health.byStatus.waiting, health.byStatus.failed, health.byStatus.dead, health.dueNow], [1, 0, 0, 0]);
			assert.equal((await t.ledger.outbox.list({ launch, statuses: ['waiting'] })).length, 1);

			const changed = await signup(t, launch, { phone: '+44 20 7946 0958', first_name: 'Ada L' });
			const esp = changed.pendingSync.find((p) => p.kind === 'esp_sync')!;
			assert.deepEqual([esp.id, esp.created, esp.status], [first.pendingSync[0]!.id, false, 'waiting'], 'one waiting ESP sync per contact');
			assert.equal((await espEntries(t, launch, first.contactId)).length, 1);
		});

		it('a later signup with the same phone and an email: one contact, the waiting ESP sync goes out once, with the first touch', async () => {
			const launch = 'phone-then-email';
			await phoneFirstLaunch(t, launch);
			const first = await signup(t, launch, { phone: '07700 900 555', utm_source: 'tiktok', utm_campaign: 'launch' });
			const waitingId = first.pendingSync.find((p) => p.kind === 'esp_sync')!.id;
			const second = await signup(t, launch, { phone: '+44 7700 900555', email: 'ada@example.com', utm_source: 'newsletter' });
			assert.equal(second.contactId, first.contactId, 'one contact');
			const esp = second.pendingSync.find((p) => p.kind === 'esp_sync')!;
			assert.deepEqual([esp.id, esp.created, esp.status], [waitingId, true, 'pending'], 'the waiting entry is the sync, not a second one');
			const again = await signup(t, launch, { phone: '+44 7700 900555', email: 'ada@example.com', utm_source: 'newsletter' });
			assert.equal(again.pendingSync.find((p) => p.kind === 'esp_sync')!.created, false, 'the same signup again adds nothing');

			const claimed = await claimAll(t, launch, 'esp_sync');
			assert.deepEqual(claimed.map((e) => e.id), [waitingId], 'exactly one ESP sync goes out');
			assert.equal(claimed[0]!.payload.reason, 'signup_update');
			const contact = await t.ledger.contacts.get(first.contactId);
			assert.deepEqual([contact?.email, contact?.firstTouch?.utm_source, contact?.firstTouch?.utm_campaign], ['ada@example.com', 'tiktok', 'launch'], 'first touch kept');
			const history = await t.ledger.contacts.history(first.contactId, { types: ['outbox.woken'] });
			assert.equal(history.length, 1);
		});

		it('Waitlist Contact → Link and a merge wake the waiting sync; with the kill switch on "all" it wakes as held', async () => {
			const launch = 'phone-link';
			await phoneFirstLaunch(t, launch);
			const linked = await signup(t, launch, { phone: '020 7946 0001' });
			await t.ledger.contacts.link({ launch, contactId: linked.contactId, kind: 'email', value: 'linked@example.com' });
			assert.deepEqual((await espEntries(t, launch, linked.contactId)).map((e) => e.status), ['pending']);

			const phoneOnly = await signup(t, launch, { phone: '020 7946 0002' });
			const withEmail = await t.ledger.contacts.upsert({ launch, phone: '020 7946 0003', email: 'other@example.com' });
			await t.ledger.contacts.merge({ launch, sourceContactId: withEmail.contactId, targetContactId: phoneOnly.contactId });
			assert.deepEqual((await espEntries(t, launch, phoneOnly.contactId)).map((e) => e.status), ['pending'], 'the merged contact has an email now');

			const held = await signup(t, launch, { phone: '020 7946 0004' });
			await t.ledger.outbox.pause({ launch, scope: 'all', by: 'ops', reason: 'vendor outage' });
			await t.ledger.contacts.link({ launch, contactId: held.contactId, kind: 'email', value: 'held@example.com' });
			assert.deepEqual((await espEntries(t, launch, held.contactId)).map((e) => e.status), ['held']);
			await t.ledger.outbox.resume({ launch, by: 'ops', reason: 'back' });
			const claimed = await claimAll(t, launch, 'esp_sync');
			assert.deepEqual(new Set(claimed.map((e) => e.contactId)), new Set([linked.contactId, phoneOnly.contactId, held.contactId]));
		});

		it('forgetting a phone-only contact discards its waiting sync; the monitor counts the ones that wait', async () => {
			const launch = 'phone-monitor';
			await phoneFirstLaunch(t, launch);
			await signup(t, launch, { phone: '020 7946 0101' });
			const gone = await signup(t, launch, { phone: '020 7946 0102' });
			await signup(t, launch, { phone: '020 7946 0103', email: 'has@example.com' });
			await t.ledger.contacts.forget({ launch, contactId: gone.contactId });
			assert.deepEqual((await espEntries(t, launch, gone.contactId)).map((e) => e.status), ['discarded']);
			const now = Date.now();
			const signals = await t.ledger.monitor.signals({ launch, from: now - 3_600_000, to: now + 1, now: now + 1 });
			assert.equal(signals.vendorSync.waitingForEmail, 1);
		});

		it('the reconcile sweep does not count a phone-only contact as missing from the email platform (the CRM: yes)', async () => {
			const launch = 'phone-sweep';
			await phoneFirstLaunch(t, launch);
			const phoneOnly = await signup(t, launch, { phone: '020 7946 0201' });
			await signup(t, launch, { phone: '020 7946 0202', email: 'listed@example.com' });
			async function* list(records: Array<{ email: string; id: number }>) {
				yield* records;
			}
			// The lists are fetched after both signups. An entry written in the same millisecond as the
			// listing counts as changed since (not judged until the next sweep), so let the clock turn.
			await new Promise((resolve) => setTimeout(resolve, 5));
			const listedAt = Date.now();
			const report = await t.ledger.reconcile.sweep({ launch, esp: list([{ email: 'listed@example.com', id: 1 }]), crm: list([]), listedAt: { esp: listedAt, crm: listedAt } });
			assert.equal(report.systems.esp?.missingInVendor, 0);
			assert.equal(report.systems.crm?.missingInVendor, 2, `the CRM takes phone-only people: ${JSON.stringify(report.systems.crm)}`);
			assert.deepEqual((await espEntries(t, launch, phoneOnly.contactId)).map((e) => e.status), ['waiting'], 'still one waiting ESP sync');
		});

		it('a phone possible for its country but outside the listed ranges (+44 7700 900123) is accepted and flagged on the contact', async () => {
			const launch = 'phone-flag';
			await phoneFirstLaunch(t, launch);
			const flagged = await signup(t, launch, { phone: '+44 7700 900123' });
			const contact = await t.ledger.contacts.get(flagged.contactId);
			assert.equal(contact?.phone, '+447700900123');
			assert.ok(contact?.tags.includes(PHONE_UNRECOGNIZED_TAG), `tags: ${contact?.tags}`);
			const plain = await t.ledger.contacts.get((await signup(t, launch, { phone: '+44 20 7946 0958' })).contactId);
			assert.ok(!plain?.tags.includes(PHONE_UNRECOGNIZED_TAG));
			const linked = await t.ledger.contacts.upsert({ launch: 'phone-flag-email', email: 'x@example.com', phone: '+1 200 555 0100' });
			assert.ok((await t.ledger.contacts.get(linked.contactId))?.tags.includes(PHONE_UNRECOGNIZED_TAG), 'a linked phone is flagged too');
			const refused = await t.ledger.capture.submit({ launch, options: {}, request: { body: json({ phone: '+44 12' }) } });
			assert.equal(refused.accepted, false, 'an impossible number is still refused');
		});
	});

	describe(`[${driver}] phone-first: the email arriving in two processes at once`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('makes one ESP sync: the waiting entry, once', async () => {
			const launch = 'phone-race';
			const ledger = new Ledger(await openStore(db.config));
			try {
				await ledger.settings.update(launch, { canonicalKey: 'phone', defaultCountry: 'GB' });
				const first = await ledger.capture.submit({ launch, options: {}, request: { body: json({ phone: '020 7946 0777', utm_source: 'tiktok' }) } });
				assert.equal(first.accepted, true);
				const contactId = (first as Accepted).result.contactId;
				const fields = { phone: '+44 20 7946 0777', email: 'race@example.com' };
				const results = (await Promise.all([0, 1].map(() => runWorker({ config: db.config, launch, fields, count: 3 })))).flat();
				assert.equal(results.length, 6);
				assert.deepEqual(new Set(results.map((r) => r.contactId)), new Set([contactId]), 'one contact');
				const created = results.flatMap((r) => r.pendingSync.filter((p) => p.kind === 'esp_sync' && p.created));
				assert.equal(created.length, 1, `one submission took the ESP sync: ${JSON.stringify(created)}`);
				const esp = await ledger.outbox.list({ launch, kinds: 'esp_sync', contactId });
				assert.deepEqual(esp.map((e) => e.status), ['pending'], 'one ESP sync, no second entry');
				assert.equal(esp[0]!.id, (first as Accepted).result.pendingSync[0]!.id);
			} finally {
				await ledger.close();
			}
		});
	});
}

type WorkerResult = { contactId: string; pendingSync: Array<{ id: string; kind: string; created: boolean; status: string }> };

const runWorker = (args: object) => runJsonWorker<WorkerResult[]>('test/support/signup-worker.ts', args);
