/**
 * What the upsert fast paths must not change: a settings or registry change made through another
 * connection (standing in for another process) is seen by the very next upsert; the one-statement
 * create path writes exactly what the step-by-step path writes; SQLite drops its cached statements
 * on close.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { SqliteStore } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] upsert fast paths`, () => {
		let t: TestLedger;
		let other: Ledger;
		before(async () => {
			t = await freshLedger(driver);
			other = new Ledger(await openStore(t.config));
		});
		after(async () => {
			await other.close();
			await t.cleanup();
		});

		it('sees a settings change made through another connection on the next upsert', async () => {
			await t.ledger.contacts.upsert({ launch: 'cfg', email: 'a@example.com', tags: ['x'] }).then(
				() => assert.fail('unknown tag should be rejected by default'),
				(error: Error) => assert.match(error.message, /not in the tag registry/),
			);
			await other.settings.update('cfg', { unknownTagPolicy: 'allow' });
			const allowed = await t.ledger.contacts.upsert({ launch: 'cfg', email: 'a@example.com', tags: ['x'] });
			assert.deepEqual(allowed.tags.applied, ['x']);
			await other.settings.update('cfg', { canonicalKey: 'phone' });
			await assert.rejects(t.ledger.contacts.upsert({ launch: 'cfg', email: 'b@example.com' }), /phone/);
		});

		it('sees a registry alias added through another connection on the next upsert', async () => {
			await other.tags.add({ launch: 'reg', tag: 'vip' });
			await other.tags.alias({ launch: 'reg', tag: 'vip', alias: 'Very Important' });
			const r = await t.ledger.contacts.upsert({ launch: 'reg', email: 'c@example.com', tags: ['Very Important'] });
			assert.deepEqual(r.tags.applied, ['vip']);
		});

		it('sees changes made through another connection right after successful upserts with the same tags', async () => {
			// On PostgreSQL a repeated (launch, tags) combination is planned from the rows read last
			// time and the create statement re-checks them; a change in between must still count.
			await other.settings.update('mem', { unknownTagPolicy: 'allow' });
			const first = await t.ledger.contacts.upsert({ launch: 'mem', email: 'm1@example.com', tags: ['Very Important'] });
			assert.deepEqual(first.tags.applied, ['very-important']);
			await other.tags.add({ launch: 'mem', tag: 'vip' });
			await other.tags.alias({ launch: 'mem', tag: 'vip', alias: 'Very Important' });
			const second = await t.ledger.contacts.upsert({ launch: 'mem', email: 'm2@example.com', tags: ['Very Important'] });
			assert.deepEqual(second.tags.applied, ['vip']);

			const third = await t.ledger.contacts.upsert({ launch: 'mem', email: 'm3@example.com', tags: ['brand-new'] });
			assert.deepEqual(third.tags.applied, ['brand-new']);
			await other.settings.update('mem', { unknownTagPolicy: 'reject' });
			await assert.rejects(t.ledger.contacts.upsert({ launch: 'mem', email: 'm4@example.com', tags: ['brand-new'] }), /not in the tag registry/);
			assert.equal(await t.ledger.contacts.find({ launch: 'mem', kind: 'email', value: 'm4@example.com' }), null);

			await t.ledger.contacts.upsert({ launch: 'mem', email: 'm5@example.com', fields: { plan: 'a' } });
			await other.settings.update('mem', { canonicalKey: 'phone' });
			await assert.rejects(t.ledger.contacts.upsert({ launch: 'mem', email: 'm6@example.com', fields: { plan: 'b' } }), /phone/);
			assert.equal(await t.ledger.contacts.count('mem'), 4); // m1, m2, m3, m5
		});

		it('writes the same contact, tags and history on create as the step-by-step path', async () => {
			await t.ledger.tags.add({ launch: 'same', tag: 'Early Bird' });
			const r = await t.ledger.contacts.upsert({
				launch: 'same',
				email: 'Dee@Example.com',
				fields: { first_name: 'Dee' },
				attribution: { utm_source: 'ig' },
				tags: ['early_bird', 'Early Bird'],
				source: 'test',
			});
			assert.equal(r.created, true);
			assert.deepEqual(r.tags, { applied: ['early-bird'], unchanged: [], quarantined: [] });
			const contact = await t.ledger.contacts.get(r.contactId);
			assert.equal(contact?.email, 'Dee@Example.com');
			assert.equal(contact?.profile.first_name, 'Dee');
			assert.equal(contact?.firstTouch?.utm_source, 'ig');
			assert.deepEqual(contact?.tags, ['early-bird']);
			const history = await t.ledger.contacts.history(r.contactId);
			assert.deepEqual(
				history.map((e) => [e.type, e.source]),
				[
					['contact.created', 'test'],
					['tag.applied', 'test'],
				],
			);
			const again = await t.ledger.contacts.upsert({ launch: 'same', email: 'dee@example.com', tags: ['early-bird'] });
			assert.equal(again.created, false);
			assert.deepEqual(again.tags.unchanged, ['early-bird']);
		});

		it('settles 40 concurrent upserts of 8 people (creates and updates mixed) on 8 contacts, each with one created event', async () => {
			// On PostgreSQL contacts.upsert creates without BEGIN/COMMIT; whoever loses the identifier
			// race must fall through to the update path inside a transaction, with nothing half-written.
			await t.ledger.tags.add({ launch: 'race', tag: 'early-bird' });
			const emails = Array.from({ length: 8 }, (_, i) => `race${i}@example.com`);
			const results = await Promise.all(
				Array.from({ length: 40 }, (_, k) =>
					t.ledger.contacts.upsert({ launch: 'race', email: emails[k % 8], fields: { visits: k }, tags: ['early-bird'], source: `call-${k}` }),
				),
			);
			assert.equal(await t.ledger.contacts.count('race'), 8);
			for (const email of emails) {
				const mine = results.filter((r, k) => emails[k % 8] === email);
				assert.equal(new Set(mine.map((r) => r.contactId)).size, 1, `${email} must be one contact`);
				assert.equal(mine.filter((r) => r.created).length, 1, `${email} is created once`);
				const history = await t.ledger.contacts.history(mine[0]!.contactId);
				assert.equal(history.filter((e) => e.type === 'contact.created').length, 1);
				assert.equal(history.filter((e) => e.type === 'tag.applied').length, 1);
				const contact = await t.ledger.contacts.find({ launch: 'race', kind: 'email', value: email });
				assert.deepEqual(contact?.tags, ['early-bird']);
			}
		});

		if (driver === 'sqlite') {
			it('clears its prepared statements on close', async () => {
				const store = (await openStore(t.config)) as SqliteStore;
				await store.query('SELECT 1 AS one');
				assert.ok(store.statements.size > 0);
				await store.close();
				assert.equal(store.statements.size, 0);
			});
		}
	});
}
