import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { gumroad } from '../support/purchase-fixtures';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

const SECRET = 'gumroad-url-secret';

async function outboxKinds(t: TestLedger, launch: string, contactId: string): Promise<string[]> {
	const rows = await t.ledger.store.query<{ kind: string }>('SELECT kind FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY seq', [launch, contactId]);
	return rows.map((r) => r.kind);
}

for (const driver of DRIVERS) {
	describe(`[${driver}] purchases: sale confirmation kept on the inbox entry (Gumroad)`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		async function received(launch: string, order: string) {
			await t.ledger.purchases.defineProduct({ launch, productId: 'prod_gum' });
			const { contactId } = await t.ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const delivery = await t.ledger.purchases.receive({ launch, provider: 'gumroad', secret: SECRET, rawBody: gumroad.sale({ order }), headers: {}, urlSecret: SECRET });
			assert.deepEqual([delivery.httpStatus, delivery.status, delivery.duplicate], [200, 'received', false]);
			return { contactId, inboxId: delivery.id };
		}

		it('a confirmed sale is processed as a grant without the caller saying so, also in a later replay of the entry', async () => {
			const launch = 'confirm-yes';
			const { contactId, inboxId } = await received(launch, 'sale_yes');
			const entry = await t.ledger.purchases.recordConfirmation(inboxId, { confirmed: true });
			assert.equal(entry.status, 'received');
			assert.equal(typeof entry.confirmedAt, 'number');
			const decision = await t.ledger.purchases.process(inboxId);
			assert.deepEqual([decision.decision, decision.reason], ['grant', 'captured']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
			const history = await t.ledger.store.query<{ type: string }>("SELECT type FROM events WHERE launch = $1 AND type LIKE 'purchase.%' ORDER BY id", [launch]);
			assert.ok(history.some((e) => e.type === 'purchase.sale_confirmed'), 'the confirmation is in the audit trail');
		});

		it('without a recorded confirmation the same sale never grants', async () => {
			const launch = 'confirm-none';
			const { contactId, inboxId } = await received(launch, 'sale_none');
			const decision = await t.ledger.purchases.process(inboxId);
			assert.deepEqual([decision.decision, decision.reason], ['no_change', 'needs_confirmation']);
			assert.deepEqual(await outboxKinds(t, launch, contactId), []);
		});

		it('a sale the provider does not confirm is ignored with the reason and never processed', async () => {
			const launch = 'confirm-no';
			const { contactId, inboxId } = await received(launch, 'sale_no');
			const entry = await t.ledger.purchases.recordConfirmation(inboxId, { confirmed: false, final: true, reason: 'Gumroad has no sale sale_no' });
			assert.deepEqual([entry.status, entry.decision, entry.lastError, entry.confirmedAt], ['ignored', 'not_confirmed', 'Gumroad has no sale sale_no', null]);
			const decision = await t.ledger.purchases.process(inboxId);
			assert.equal(decision.duplicate, true, 'an ignored entry is not processed');
			assert.deepEqual(await outboxKinds(t, launch, contactId), []);
			// Nothing later turns it into a confirmed one.
			const after = await t.ledger.purchases.recordConfirmation(inboxId, { confirmed: true });
			assert.deepEqual([after.status, after.confirmedAt], ['ignored', null]);
		});

		it('an unreachable provider leaves the entry received with the error, and a later confirmation still grants', async () => {
			const launch = 'confirm-later';
			const { contactId, inboxId } = await received(launch, 'sale_later');
			const pending = await t.ledger.purchases.recordConfirmation(inboxId, { confirmed: false, final: false, reason: 'HTTP 503' });
			assert.deepEqual([pending.status, pending.lastError, pending.confirmedAt], ['received', 'confirmation_unavailable: HTTP 503', null]);
			const confirmed = await t.ledger.purchases.recordConfirmation(inboxId, { confirmed: true });
			assert.deepEqual([confirmed.status, confirmed.lastError], ['received', null]);
			assert.equal((await t.ledger.purchases.process(inboxId)).decision, 'grant');
			assert.deepEqual(await outboxKinds(t, launch, contactId), ['grant']);
		});

		it('an unknown inbox id is an input error naming the field', async () => {
			await assert.rejects(t.ledger.purchases.recordConfirmation('00000000-0000-0000-0000-000000000000', { confirmed: true }), (e: Error & { field?: string }) => e.field === 'inboxId');
		});
	});
}
