import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_CAPTURE_POLICY } from '../../ledger';
import { latestSignupsStatement } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * ledger.monitor.latestSignups, the dashboard's "latest signups": the newest active people, newest
 * first, read backwards along the (launch, created_at) index — never the whole list.
 */
for (const driver of DRIVERS) {
	describe(`[${driver}] launch monitor: latest signups`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('newest first, with name and first-touch source; merged-away, forgotten, dry-run and other launches left out; as of `now`', async () => {
			const launch = 'latest';
			const policy = { ...DEFAULT_CAPTURE_POLICY, secret: 'test', minSubmitMs: 0 };
			const signup = async (email: string, fields: Record<string, string>, attribution: Record<string, string> = {}, other = launch) =>
				(await t.ledger.capture.capture({ launch: other, signup: { email, fields, attribution, consentGiven: true }, policy, source: 'test' })) as { contactId?: string };
			await signup('ada@example.com', { first_name: 'Ada' }, { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' });
			const between = Date.now();
			await new Promise((r) => setTimeout(r, 5));
			await signup('grace@example.com', { name: 'Grace Hopper' });
			const bea = await signup('bea@example.com', {});
			const beatrice = await signup('beatrice@example.com', { first_name: 'Bea' });
			await t.ledger.contacts.merge({ launch, sourceContactId: bea.contactId!, targetContactId: beatrice.contactId! });
			const gone = await signup('gone@example.com', { first_name: 'Gone' });
			await t.ledger.contacts.forget({ launch, contactId: gone.contactId! });
			await t.ledger.contacts.upsert({ launch, email: 'dry@example.com', isTest: true });
			await signup('elsewhere@example.com', { first_name: 'Else' }, {}, 'other-launch');

			const latest = await t.ledger.monitor.latestSignups({ launch });
			assert.deepEqual(
				latest.map((c) => [c.email, c.name, c.utmSource]),
				[
					['beatrice@example.com', 'Bea', null],
					['grace@example.com', 'Grace Hopper', null],
					['ada@example.com', 'Ada', 'newsletter'],
				],
			);
			assert.ok(latest[0]!.createdAt >= latest[1]!.createdAt && latest[1]!.createdAt >= latest[2]!.createdAt);
			assert.deepEqual((await t.ledger.monitor.latestSignups({ launch, limit: 1 })).map((c) => c.email), ['beatrice@example.com']);
			assert.deepEqual((await t.ledger.monitor.latestSignups({ launch, now: between })).map((c) => c.email), ['ada@example.com']);
			await assert.rejects(t.ledger.monitor.latestSignups({ launch, limit: 0 }), /limit: must be a whole number from 1 to 100/);
		});

		it('reads backwards along the (launch, created_at) index, without sorting the list', async () => {
			const { sql, params } = latestSignupsStatement('x', Date.now(), 8);
			if (driver === 'sqlite') {
				const plan = (await t.ledger.store.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, params)).map((p) => p.detail);
				assert.ok(plan.some((d) => /SEARCH contacts USING INDEX contacts_launch_created \(launch=\? AND created_at<\?\)/.test(d)), plan.join(' | '));
				assert.ok(!plan.some((d) => /TEMP B-TREE/.test(d)), `no sort: ${plan.join(' | ')}`);
			} else {
				await t.ledger.store.transaction(async (tx) => {
					await tx.execute('SET LOCAL enable_seqscan = off');
					const [row] = await tx.query<{ 'QUERY PLAN': Array<{ Plan: { 'Node Type': string; Plans?: Array<{ 'Node Type': string; 'Index Name'?: string; 'Scan Direction'?: string }> } }> }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
					const plan = row!['QUERY PLAN'][0]!.Plan;
					assert.equal(plan['Node Type'], 'Limit');
					const scan = plan.Plans?.[0];
					assert.deepEqual([scan?.['Node Type'], scan?.['Index Name'], scan?.['Scan Direction']], ['Index Scan', 'contacts_launch_created', 'Backward'], JSON.stringify(plan));
				});
			}
		});
	});
}
