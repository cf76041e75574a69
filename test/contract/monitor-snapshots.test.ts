import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CAPTURE_POLICY, EXPORT_COLUMNS, monitorMetrics, prometheusText } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const W = 5 * 60_000;
const H = 3_600_000;
const DAY = 24 * H;

for (const driver of DRIVERS) {
	describe(`[${driver}] launch monitor: snapshots, history, metrics and the contacts CSV`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('a window is kept once, whoever takes it (also ten callers at the same moment); the hourly row alongside', async () => {
			const launch = 'once';
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'a@example.com' });
			// Just after the end of the hour the signup fell in: that hour's last window, and the hour itself.
			const now = Math.floor((await t.ledger.contacts.get(contactId))!.createdAt / H) * H + H + 7_000;
			const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.ledger.monitor.takeSnapshot({ launch, now: now + i })));
			assert.equal(results.filter((r) => r.created).length, 1, 'one call wrote the window');
			assert.ok(results.every((r) => r.snapshot.windowEnd === now - 7_000 && r.snapshot.measuredAt === results.find((x) => x.created)!.snapshot.measuredAt), 'all see the kept row');
			const windows = await t.ledger.monitor.history({ launch, now });
			assert.equal(windows.length, 1);
			assert.deepEqual([windows[0]!.resolution, windows[0]!.windowMs, windows[0]!.windowStart], ['window', W, now - 7_000 - W]);
			const hours = await t.ledger.monitor.history({ launch, resolution: 'hour', now });
			assert.deepEqual(hours.map((h) => [h.windowStart, h.windowEnd, h.signups]), [[now - 7_000 - H, now - 7_000, 1]], 'the last hour holds the signup');
			const again = await t.ledger.monitor.takeSnapshot({ launch, now: now + W });
			assert.equal(again.created, true, 'the next window is new');
			assert.equal(again.hourly.windowStart, now - 7_000 - H, 'the same hour: kept, not computed again');
		});

		it('window rows older than 7 days are pruned when a new one is written; hourly rows stay; the window length is a setting', async () => {
			const launch = 'prune';
			const now = Math.floor(Date.now() / H) * H;
			await t.ledger.monitor.takeSnapshot({ launch, now: now - 8 * DAY });
			await t.ledger.monitor.takeSnapshot({ launch, now: now - 6 * DAY });
			const before = await t.ledger.monitor.history({ launch, from: now - 9 * DAY, to: now, now });
			assert.equal(before.length, 2);
			await t.ledger.monitor.takeSnapshot({ launch, now });
			const after = await t.ledger.monitor.history({ launch, from: now - 9 * DAY, to: now, now });
			assert.deepEqual(after.map((s) => s.windowEnd), [now - 6 * DAY, now]);
			const hours = await t.ledger.monitor.history({ launch, resolution: 'hour', from: now - 9 * DAY, to: now, now });
			assert.deepEqual(hours.map((s) => s.windowEnd), [now - 8 * DAY, now - 6 * DAY, now]);

			await t.ledger.settings.update(launch, { alerts: { windowSeconds: 60 } });
			const minute = await t.ledger.monitor.takeSnapshot({ launch, now: now + 61_000 });
			assert.deepEqual([minute.snapshot.windowMs, minute.snapshot.windowStart], [60_000, now]);
			assert.deepEqual((await t.ledger.monitor.history({ launch, now: now + 61_000 })).map((s) => s.windowMs), [60_000], 'history shows the windows of the current length');
		});

		it('forgetting a person redacts them from kept snapshots and announcements (a vendor error can name them)', async () => {
			const launch = 'forget';
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'Zoe.Private@example.com' });
			await t.ledger.outbox.enqueueMany([{ launch, kind: 'esp_sync', idempotencyKey: 'k1', contactId }]);
			const [claimed] = await t.ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w' });
			await t.ledger.outbox.fail(launch, [{ id: claimed!.id, claimToken: claimed!.claimToken, error: 'Kit 422: Zoe.Private@example.com is not a valid subscriber', permanent: true }]);
			const result = await t.ledger.monitor.evaluate({ launch, now: Date.now() + 1 });
			assert.match(result.fired[0]!.summary, /Zoe\.Private@example\.com/);
			await t.ledger.contacts.forget({ launch, contactId });
			const [kept] = await t.ledger.monitor.history({ launch, now: Date.now() + 1 });
			const [announced] = await t.ledger.monitor.announcements(launch);
			for (const text of [JSON.stringify(kept), JSON.stringify(announced)]) {
				assert.doesNotMatch(text, /zoe\.private/i);
				assert.match(text, /Kit 422: \[forgotten\] is not a valid subscriber/);
			}
		});

		it('Prometheus text: gauges per launch with escaped labels', async () => {
			const launch = 'metrics "quoted"\\';
			await t.ledger.capture.recordRejection({ launch, status: 400, reason: 'honeypot', errors: [] });
			const text = await t.ledger.monitor.prometheus({ launch, now: Date.now() + 1 });
			assert.match(text, /^# HELP waitlist_window_seconds /m);
			assert.match(text, /^# TYPE waitlist_signups gauge$/m);
			assert.match(text, /^waitlist_signups_refused\{launch="metrics \\"quoted\\"\\\\",reason="honeypot"\} 1$/m);
			assert.match(text, /^waitlist_alert_firing\{launch="metrics \\"quoted\\"\\\\",rule="dead_letters",severity="warning"\} 0$/m);
			const signals = await t.ledger.monitor.signals({ launch });
			const names = new Set(monitorMetrics(signals).map((m) => m.name));
			for (const name of ['waitlist_signups', 'waitlist_paid_without_access', 'waitlist_kill_switch_on', 'waitlist_review_open', 'waitlist_signups_flagged', 'waitlist_outbox_held_for_review']) assert.ok(names.has(name), name);
			assert.equal(prometheusText([]), '');
		});

		it('the contacts CSV: active people only, first/last touch UTMs, tags, profile fields; escaped and formula-safe; streamed in pages', async () => {
			const launch = 'csv';
			const policy = { ...DEFAULT_CAPTURE_POLICY, secret: 's', minSubmitMs: 0 };
			const ada = await t.ledger.capture.capture({
				launch,
				signup: { email: 'ada@example.com', fields: { first_name: 'Ada, "the first"' }, attribution: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' }, consentGiven: true },
				policy,
				source: 'capture',
			});
			await t.ledger.contacts.upsert({ launch, email: 'ada@example.com', attribution: { utm_source: 'instagram', utm_content: 'reel-2' } });
			await t.ledger.tags.add({ launch, tag: 'early-bird', kind: 'segment' });
			await t.ledger.tags.apply({ launch, contactId: ada.contactId, tags: ['early-bird'] });
			await t.ledger.contacts.upsert({ launch, email: 'eve@example.com', fields: { first_name: '=HYPERLINK("http://evil")' } });
			const merged = await t.ledger.contacts.upsert({ launch, email: 'old@example.com' });
			const keeper = await t.ledger.contacts.upsert({ launch, email: 'keeper@example.com' });
			await t.ledger.contacts.merge({ launch, sourceContactId: merged.contactId, targetContactId: keeper.contactId });
			await t.ledger.contacts.upsert({ launch, email: 'dry@example.com', isTest: true });

			const chunks: string[] = [];
			for await (const chunk of t.ledger.monitor.exportContactsCsv({ launch, pageSize: 2, fields: ['first_name'] })) chunks.push(chunk);
			assert.equal(chunks.length, 3, 'the header, then a chunk per page of two');
			const lines = chunks.join('').split('\r\n').filter(Boolean);
			assert.equal(lines[0], [...EXPORT_COLUMNS, 'first_name'].join(','));
			assert.equal(lines.length, 4, 'Ada, Eve and the keeper: not the merged-away contact, not the dry run');
			const ix = (column: string) => lines[0]!.split(',').indexOf(column);
			const adaLine = lines.find((l) => l.includes('ada@example.com'))!;
			// Ada's line: quoted profile value (comma and quotes), first touch newsletter/email/spring, last touch instagram/reel-2.
			assert.ok(adaLine.endsWith(',"Ada, ""the first"""'), adaLine);
			const cells = adaLine.slice(0, adaLine.indexOf(',"Ada')).split(',');
			assert.deepEqual(
				[cells[ix('first_utm_source')], cells[ix('first_utm_medium')], cells[ix('first_utm_campaign')], cells[ix('last_utm_source')], cells[ix('last_utm_content')], cells[ix('consent_marketing')], cells[ix('tags')], cells[ix('is_test')]],
				['newsletter', 'email', 'spring', 'instagram', 'reel-2', 'yes', 'early-bird', 'no'],
			);
			assert.ok(lines.some((l) => l.endsWith(`,"'=HYPERLINK(""http://evil"")"`)), 'a formula is exported as text');
			const withTests: string[] = [];
			for await (const chunk of t.ledger.monitor.exportContactsCsv({ launch, includeTest: true })) withTests.push(chunk);
			assert.equal(withTests.join('').split('\r\n').filter(Boolean).length, 5);
			await assert.rejects(async () => {
				for await (const _ of t.ledger.monitor.exportContactsCsv({ launch, pageSize: 0 })) void _;
			}, /pageSize/);
		});
	});
}
