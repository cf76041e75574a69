import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LedgerInputError } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] tag registry`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('collapses "Early Bird", "early_bird", "early-bird" and a declared "Early Bird (ad)" into one tag', async () => {
			const launch = 'aliases';
			await t.ledger.tags.add({ launch, tag: 'Early Bird', kind: 'segment', aliases: ['Early Bird (ad)'] });
			const resolved = await t.ledger.tags.normalize({ launch, tags: ['Early Bird', 'early_bird', 'early-bird', 'Early Bird (ad)', 'EARLY  BIRD'] });
			assert.deepEqual(resolved.map((r) => r.tag), Array(5).fill('early-bird'));
			const undeclared = await t.ledger.tags.normalize({ launch, tags: ['Early Bird (organic)'] });
			assert.equal(undeclared[0]!.status, 'unknown', 'a suffix joins only when declared');
			await t.ledger.tags.alias({ launch, tag: 'early-bird', alias: 'Early Bird (*)' });
			assert.equal((await t.ledger.tags.normalize({ launch, tags: ['Early Bird (organic)'] }))[0]!.tag, 'early-bird');

			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'eb@example.com' });
			const applied = await t.ledger.tags.apply({ launch, contactId, tags: ['Early Bird', 'early_bird', 'Early Bird (ad)'], source: 'test' });
			assert.deepEqual(applied.applied, ['early-bird']);
			assert.deepEqual((await t.ledger.contacts.get(contactId))?.tags, ['early-bird']);
			const again = await t.ledger.tags.apply({ launch, contactId, tags: 'early-bird', source: 'test' });
			assert.deepEqual(again.unchanged, ['early-bird']);
		});

		it('matches ephemeral patterns such as clicked-email-*', async () => {
			const launch = 'patterns';
			await t.ledger.tags.add({ launch, tag: 'clicked-email-*', kind: 'ephemeral' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'p@example.com', tags: ['Clicked Email 3'] });
			assert.deepEqual((await t.ledger.contacts.get(contactId))?.tags, ['clicked-email-3']);
			await assert.rejects(t.ledger.tags.add({ launch, tag: 'opened-*' }), /tag: .*only ephemeral tags/);
		});

		it('rejects an unknown tag by default, naming it and listing close registry matches', async () => {
			const launch = 'reject';
			await t.ledger.tags.add({ launch, tag: 'early-bird' });
			await t.ledger.tags.add({ launch, tag: 'buyer' });
			await assert.rejects(
				t.ledger.contacts.upsert({ launch, email: 'r@example.com', tags: ['buyer', 'erly bird'] }),
				(e: unknown) => e instanceof LedgerInputError && e.field === 'tags[1]' && /"erly bird" is not in the tag registry.*close matches: early-bird/.test(e.reason),
			);
			assert.equal(await t.ledger.contacts.count(launch), 0, 'a rejected tag leaves no half-created contact');
		});

		it('quarantines unknown tags for review under "quarantine", without applying them', async () => {
			const launch = 'quarantine';
			await t.ledger.settings.update(launch, { unknownTagPolicy: 'quarantine' });
			await t.ledger.tags.add({ launch, tag: 'buyer' });
			const result = await t.ledger.contacts.upsert({ launch, email: 'q@example.com', tags: ['buyer', 'Mystery Tag'] });
			assert.deepEqual(result.tags.applied, ['buyer']);
			assert.deepEqual(result.tags.quarantined, ['mystery-tag']);
			assert.deepEqual((await t.ledger.contacts.get(result.contactId))?.tags, ['buyer']);
			const q = await t.ledger.tags.quarantined(launch);
			assert.deepEqual(q.map((x) => [x.raw, x.contactId]), [['Mystery Tag', result.contactId]]);
		});

		it('applies and records unknown tags under "allow"', async () => {
			const launch = 'allow';
			await t.ledger.settings.update(launch, { unknownTagPolicy: 'allow' });
			const result = await t.ledger.contacts.upsert({ launch, email: 'a@example.com', tags: 'Brand New' });
			assert.deepEqual(result.tags.applied, ['brand-new']);
			const event = (await t.ledger.contacts.history(result.contactId, { types: ['tag.applied'] }))[0];
			assert.equal(event?.data.unregistered, true);
		});

		it('removes tags and records every tag change as an event with time and source', async () => {
			const launch = 'history';
			await t.ledger.tags.add({ launch, tag: 'vip' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'h@example.com' });
			await t.ledger.tags.apply({ launch, contactId, tags: ['VIP'], source: 'crm' });
			const removed = await t.ledger.tags.remove({ launch, contactId, tags: ['vip', 'never-had'], source: 'admin' });
			assert.deepEqual(removed, { removed: ['vip'], notPresent: ['never-had'] });
			const events = await t.ledger.contacts.history(contactId, { types: ['tag.*'] });
			assert.deepEqual(events.map((e) => [e.type, e.data.tag, e.source]), [
				['tag.applied', 'vip', 'crm'],
				['tag.removed', 'vip', 'admin'],
			]);
			assert.ok(events.every((e) => e.createdAt > 0));
		});

		it('exports the registry as JSON and imports it into another launch', async () => {
			await t.ledger.tags.add({ launch: 'src', tag: 'Early Bird', description: 'joined in week one', aliases: ['Early Bird (ad)', 'EB'] });
			await t.ledger.tags.add({ launch: 'src', tag: 'clicked-email-*', kind: 'ephemeral' });
			const doc = await t.ledger.tags.export('src');
			const imported = await t.ledger.tags.import({ launch: 'dst', registry: JSON.stringify(doc), source: 'test' });
			assert.deepEqual(imported.added.sort(), ['clicked-email-*', 'early-bird']);
			assert.deepEqual(imported.aliased.sort(), ['early-bird(ad)', 'eb']);
			const copy = await t.ledger.tags.export('dst');
			assert.deepEqual(copy.tags, doc.tags);
			assert.deepEqual(await t.ledger.tags.import({ launch: 'dst', registry: doc }), { added: [], aliased: [], unchanged: ['clicked-email-*', 'early-bird'] });
			await assert.rejects(t.ledger.tags.import({ launch: 'dst', registry: '{nope' }), /registry: is not valid JSON/);
			const registryEvents = await t.ledger.contacts.launchHistory('dst', { types: ['tag_registry.*'] });
			assert.equal(registryEvents.length, 4);
		});

		it('refuses an alias that already belongs to another tag', async () => {
			const launch = 'clash';
			await t.ledger.tags.add({ launch, tag: 'a', aliases: ['x'] });
			await t.ledger.tags.add({ launch, tag: 'b' });
			await assert.rejects(t.ledger.tags.alias({ launch, tag: 'b', alias: 'X' }), /alias: "X" is already an alias of "a"/);
			await assert.rejects(t.ledger.tags.alias({ launch, tag: 'nope', alias: 'y' }), /tag: "nope" is not in the registry/);
		});
	});
}
