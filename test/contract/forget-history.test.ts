import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ForgottenIdentityError } from '../../ledger';
import { enqueueOutboxEntry, isForgotten, type SqlExecutor } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/** Every row of every table, as text, so a test can search the whole database for a person. */
async function dumpAllTables(db: SqlExecutor): Promise<Record<string, string>> {
	const tables =
		db.dialect === 'sqlite'
			? await db.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
			: await db.query<{ name: string }>(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`);
	assert.ok(tables.length >= 10, `expected the ledger's tables, found ${tables.map((t) => t.name).join(', ')}`);
	const dump: Record<string, string> = {};
	for (const { name } of tables) dump[name] = JSON.stringify(await db.query(`SELECT * FROM ${name}`)).toLowerCase();
	return dump;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] history and forget`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('every change shows in the contact history with before/after, source and time', async () => {
			const launch = 'history';
			await t.ledger.settings.update(launch, { unknownTagPolicy: 'allow', mergePolicy: { fields: { plan: 'last-wins' } } }, { source: 'setup' });
			const a = await t.ledger.contacts.upsert({ launch, email: 'h@example.com', fields: { plan: 'free' }, attribution: { utm_source: 'x' }, source: 'capture' });
			await t.ledger.contacts.upsert({ launch, email: 'h@example.com', fields: { plan: 'pro', city: 'Oslo' }, consent: { marketing_email: true }, source: 'crm' });
			await t.ledger.contacts.upsert({ launch, email: 'h@example.com', fields: { plan: '' }, source: 'crm' }); // no change, no event
			await t.ledger.contacts.link({ launch, contactId: a.contactId, kind: 'ext:kit', value: 'k1', source: 'esp' });
			await t.ledger.tags.apply({ launch, contactId: a.contactId, tags: ['Fan'], source: 'admin' });
			const events = await t.ledger.contacts.history(a.contactId);
			assert.deepEqual(events.map((e) => [e.type, e.source]), [
				['contact.created', 'capture'],
				['contact.updated', 'crm'],
				['identifier.linked', 'esp'],
				['tag.applied', 'admin'],
			]);
			const updated = events[1]!.data.changes as Record<string, { before: unknown; after: unknown }>;
			assert.deepEqual(updated.plan, { before: 'free', after: 'pro' });
			assert.deepEqual(updated.city, { before: null, after: 'Oslo' });
			assert.deepEqual(updated['consent.marketing_email'], { before: null, after: true });
			const created = events[0]!.data.changes as Record<string, { before: unknown; after: { utm_source: string } }>;
			assert.equal(created.first_touch?.after.utm_source, 'x');
			assert.ok(events.every((e) => e.createdAt > 0 && e.launch === launch));
			const settingsEvents = await t.ledger.contacts.launchHistory(launch, { types: ['settings.updated'] });
			assert.equal(settingsEvents[0]?.source, 'setup');
		});

		it('forget leaves no personal data in any table, and neither an old entry replayed nor a new one brings it back', async () => {
			const launch = 'erase';
			await t.ledger.settings.update(launch, { unknownTagPolicy: 'allow' });
			const person = { email: 'Zelda.Quist@Example.com', phone: '+1 415 555 0142', name: 'Zelda', last: 'Quistgaard' };
			const signedUpAt = Date.now() - 60_000;
			const zelda = await t.ledger.contacts.upsert({
				launch,
				email: person.email,
				phone: person.phone,
				customerId: 'cus_zq',
				fields: { first_name: person.name, last_name: person.last },
				attribution: { utm_source: 'ig', landing_url: `https://x.example/?email=${person.email}` },
				consent: { marketing_email: true },
				tags: ['buyer'],
				receivedAt: signedUpAt,
				source: 'capture',
			});
			// A second record of the same person, merged into the first.
			const alias = await t.ledger.contacts.upsert({ launch, email: 'zq@work.example', fields: { nickname: 'Zee Quist' } });
			await t.ledger.contacts.merge({ launch, sourceContactId: alias.contactId, targetContactId: zelda.contactId });
			// Someone else tries to claim her phone: the review item and its event mention her number.
			const other = await t.ledger.contacts.upsert({ launch, email: 'other@example.com', phone: person.phone });
			assert.equal(other.conflicts.length, 1);
			await t.ledger.store.transaction((tx) =>
				enqueueOutboxEntry(tx, { launch, kind: 'esp_sync', idempotencyKey: `esp:${zelda.contactId}`, contactId: zelda.contactId, payload: { email: person.email, first_name: person.name } }),
			);

			const forgotten = await t.ledger.contacts.forget({ launch, contactId: alias.contactId, source: 'gdpr-request' });
			assert.deepEqual(forgotten.contactIds.sort(), [zelda.contactId, alias.contactId].sort(), 'forgetting a merged record forgets the person it was merged into');

			const dump = await dumpAllTables(t.ledger.store);
			const needles = ['zelda', 'quist', 'zq@work', '4155550142', '415 555 0142', 'cus_zq', 'zee'];
			for (const [table, text] of Object.entries(dump)) {
				for (const needle of needles) assert.ok(!text.includes(needle), `table ${table} still contains "${needle}"`);
			}
			assert.equal((await t.ledger.contacts.get(zelda.contactId))?.status, 'forgotten');
			assert.equal(await t.ledger.contacts.find({ launch, kind: 'email', value: person.email }), null);
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'other@example.com' }))?.id, other.contactId, 'other people are untouched');

			// Replays of old entries must not re-create her.
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: person.email, fields: { first_name: person.name }, replay: true }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: person.email, receivedAt: signedUpAt }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: 'someone-new@example.com', customerId: 'cus_zq', replay: true }), ForgottenIdentityError);
			assert.equal(await t.ledger.contacts.find({ launch, kind: 'email', value: person.email }), null);
			const normalized = 'zelda.quist@example.com';
			assert.equal(await t.ledger.store.transaction((tx) => isForgotten(tx, launch, 'email', normalized)), true);
			assert.equal(await t.ledger.store.transaction((tx) => isForgotten(tx, launch, 'email', normalized, signedUpAt)), true);
			assert.equal(await t.ledger.store.transaction((tx) => isForgotten(tx, launch, 'email', normalized, Date.now() + 1_000)), false);
			assert.equal(await t.ledger.store.transaction((tx) => isForgotten(tx, 'another-launch', 'email', normalized)), false);

			// Forget stays forgotten (issue 18): a new signup or a later entry naming her is refused too, whenever it was received.
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: person.email, source: 'capture' }), ForgottenIdentityError);
			await assert.rejects(t.ledger.contacts.upsert({ launch, email: person.email, fields: { last_name: 'Later' }, receivedAt: Date.now() + 1_000 }), ForgottenIdentityError);
			assert.equal(await t.ledger.contacts.find({ launch, kind: 'email', value: person.email }), null);
		});

		it('forget of an unknown contact names the field', async () => {
			await assert.rejects(t.ledger.contacts.forget({ launch: 'erase', contactId: 'nope' }), /contactId: no contact "nope"/);
		});

		it('settings validate each field and keep defaults for what was not set', async () => {
			const s = await t.ledger.settings.get('fresh');
			assert.equal(s.canonicalKey, 'email');
			assert.deepEqual(s.identifierLimits, { email: 5, phone: 3, customer_id: 1 });
			const next = await t.ledger.settings.update('fresh', { identifierLimits: { phone: 1 } });
			assert.deepEqual(next.identifierLimits, { email: 5, phone: 1, customer_id: 1 });
			await assert.rejects(t.ledger.settings.update('fresh', { canonicalKey: 'fax' as 'email' }), /settings\.canonicalKey: must be one of "email", "phone", "customer_id"/);
			await assert.rejects(t.ledger.settings.update('fresh', { mergePolicy: { fields: { x: 'sometimes' as 'never' } } }), /settings\.mergePolicy\.fields\.x/);
			await assert.rejects(t.ledger.settings.update('fresh', { colour: 'blue' } as object), /settings\.colour: is not a launch setting/);
		});
	});
}
