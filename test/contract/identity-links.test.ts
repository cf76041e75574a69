import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LedgerInputError } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

for (const driver of DRIVERS) {
	describe(`[${driver}] identity: canonical keys, links, review, merge`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('matches on phone (E.164, default country) when the launch says so', async () => {
			await t.ledger.settings.update('phones', { canonicalKey: 'phone', defaultCountry: 'GB' });
			const a = await t.ledger.contacts.upsert({ launch: 'phones', phone: '020 7946 0958', fields: { first_name: 'Ada' } });
			const b = await t.ledger.contacts.upsert({ launch: 'phones', phone: '+44 20 7946 0958', email: 'ada@example.com' });
			assert.equal(b.contactId, a.contactId);
			assert.equal(b.created, false);
			assert.deepEqual(b.linked.map((l) => l.kind), ['email']);
			const found = await t.ledger.contacts.find({ launch: 'phones', kind: 'email', value: 'ADA@example.com' });
			assert.equal(found?.id, a.contactId);
			assert.equal(found?.phone, '+442079460958');
			await assert.rejects(t.ledger.contacts.upsert({ launch: 'phones', email: 'x@example.com' }), (e: unknown) => e instanceof LedgerInputError && e.field === 'phone');
		});

		it('matches on customer_id when the launch says so', async () => {
			await t.ledger.settings.update('shop', { canonicalKey: 'customer_id' });
			const a = await t.ledger.contacts.upsert({ launch: 'shop', customerId: ' cus_1 ', email: 'one@example.com' });
			const b = await t.ledger.contacts.upsert({ launch: 'shop', customerId: 'cus_1', email: 'two@example.com' });
			assert.equal(a.contactId, b.contactId);
			const contact = await t.ledger.contacts.get(a.contactId);
			assert.deepEqual(contact?.identifiers.map((i) => `${i.kind}:${i.value}`), ['customer_id:cus_1', 'email:one@example.com', 'email:two@example.com']);
		});

		it('folds Gmail addresses only when the launch opts in', async () => {
			const plain = await t.ledger.contacts.upsert({ launch: 'g1', email: 'a.da+x@gmail.com' });
			const other = await t.ledger.contacts.upsert({ launch: 'g1', email: 'ada@googlemail.com' });
			assert.notEqual(plain.contactId, other.contactId);
			await t.ledger.settings.update('g2', { gmailNormalization: true });
			const a = await t.ledger.contacts.upsert({ launch: 'g2', email: 'A.da+x@gmail.com' });
			const b = await t.ledger.contacts.upsert({ launch: 'g2', email: 'ada@googlemail.com' });
			assert.equal(a.contactId, b.contactId);
			assert.equal((await t.ledger.contacts.get(a.contactId))?.email, 'A.da+x@gmail.com', 'display keeps the address as typed');
		});

		it('links a second email, a phone and ESP ids, and finds the contact by each', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch: 'links', email: 'lin@example.com' });
			assert.equal((await t.ledger.contacts.link({ launch: 'links', contactId, kind: 'email', value: 'Lin@Work.example' })).status, 'linked');
			assert.equal((await t.ledger.contacts.link({ launch: 'links', contactId, kind: 'phone', value: '+1 415 555 2671' })).status, 'linked');
			assert.equal((await t.ledger.contacts.link({ launch: 'links', contactId, kind: 'ext:mailchimp', value: 'mc_9' })).status, 'linked');
			assert.equal((await t.ledger.contacts.link({ launch: 'links', contactId, kind: 'phone', value: '(415) 555-2671' })).status, 'already_linked');
			for (const [kind, value] of [
				['email', 'lin@work.example'],
				['phone', '415-555-2671'],
				['ext:mailchimp', 'mc_9'],
			]) {
				assert.equal((await t.ledger.contacts.find({ launch: 'links', kind: kind!, value: value! }))?.id, contactId, `${kind} finds the contact`);
			}
			await assert.rejects(t.ledger.contacts.link({ launch: 'links', contactId, kind: 'fax', value: '1' }), /kind: "fax" is not an identifier kind/);
		});

		it('sends a link that breaks a per-kind limit to review', async () => {
			const { contactId } = await t.ledger.contacts.upsert({ launch: 'limits', email: 'max@example.com', customerId: 'cus_a' });
			const second = await t.ledger.contacts.link({ launch: 'limits', contactId, kind: 'customer_id', value: 'cus_b' });
			assert.equal(second.status, 'conflict');
			assert.equal(second.review?.reason, 'identifier_limit_reached');
			assert.equal(await t.ledger.contacts.find({ launch: 'limits', kind: 'customer_id', value: 'cus_b' }), null, 'not linked');
			const open = await t.ledger.review.list('limits', { status: 'open' });
			assert.equal(open.length, 1);
			assert.equal(open[0]!.payload.value, 'cus_b');
		});

		it('never silently merges: an identifier owned by another contact goes to review', async () => {
			const a = await t.ledger.contacts.upsert({ launch: 'owned', email: 'a@example.com', phone: '+1 415 555 0100' });
			const b = await t.ledger.contacts.upsert({ launch: 'owned', email: 'b@example.com', phone: '+1 415 555 0100' });
			assert.notEqual(a.contactId, b.contactId);
			assert.equal(b.created, true);
			assert.equal(b.conflicts.length, 1);
			assert.equal(b.conflicts[0]!.reason, 'identifier_owned_by_other_contact');
			assert.equal(b.conflicts[0]!.otherContactId, a.contactId);
			assert.equal((await t.ledger.contacts.find({ launch: 'owned', kind: 'phone', value: '+14155550100' }))?.id, a.contactId);
		});

		it('concurrent links of one phone to two contacts make one link and one review item', async () => {
			for (let round = 0; round < 5; round++) {
				const launch = `race-link-${round}`;
				const a = await t.ledger.contacts.upsert({ launch, email: 'a@example.com' });
				const b = await t.ledger.contacts.upsert({ launch, email: 'b@example.com' });
				const results = await Promise.all(
					[a.contactId, b.contactId].map((contactId) => t.ledger.contacts.link({ launch, contactId, kind: 'phone', value: '+1 415 555 2671' })),
				);
				assert.deepEqual(results.map((r) => r.status).sort(), ['conflict', 'linked']);
				const [rows] = await t.ledger.store.query<{ n: number }>(`SELECT COUNT(*) AS n FROM identifiers WHERE launch = $1 AND kind = 'phone'`, [launch]);
				assert.equal(Number(rows?.n), 1);
				const reviews = await t.ledger.review.list(launch);
				assert.equal(reviews.length, 1);
				const winner = results.find((r) => r.status === 'linked')!;
				const owner = await t.ledger.contacts.find({ launch, kind: 'phone', value: '+14155552671' });
				assert.equal(reviews[0]!.otherContactId, owner?.id);
				assert.equal(winner.identifier.value, '+14155552671');
			}
		});

		it('merges by policy, moves identifiers and tags, and unmerge restores both contacts', async () => {
			const launch = 'merge';
			await t.ledger.settings.update(launch, { mergePolicy: { fields: { plan: 'last-wins', interests: 'union' } }, unknownTagPolicy: 'allow' });
			const target = await t.ledger.contacts.upsert({
				launch,
				email: 'old@example.com',
				fields: { first_name: 'Ada', plan: 'free', interests: ['math'] },
				attribution: { utm_source: 'newsletter', at: 1_000 },
				tags: ['vip'],
				receivedAt: 1_000,
			});
			const source = await t.ledger.contacts.upsert({
				launch,
				email: 'new@example.com',
				fields: { first_name: 'Ada L.', last_name: 'Lovelace', plan: 'pro', interests: ['engines'] },
				attribution: { utm_source: 'ads', at: 2_000 },
				tags: ['buyer'],
				receivedAt: 2_000,
			});
			const before = await t.ledger.contacts.get(target.contactId);
			const merged = await t.ledger.contacts.merge({ launch, sourceContactId: source.contactId, targetContactId: target.contactId, source: 'test' });
			assert.equal(merged.contactId, target.contactId);
			const after = await t.ledger.contacts.get(target.contactId);
			assert.deepEqual(after?.profile, { first_name: 'Ada', last_name: 'Lovelace', plan: 'pro', interests: ['math', 'engines'] });
			assert.equal(after?.firstTouch?.utm_source, 'newsletter');
			assert.equal(after?.lastTouch?.utm_source, 'ads');
			assert.deepEqual(after?.tags, ['buyer', 'vip']);
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'new@example.com' }))?.id, target.contactId);
			const gone = await t.ledger.contacts.get(source.contactId);
			assert.equal(gone?.status, 'merged');
			assert.equal(gone?.mergedInto, target.contactId);
			assert.equal(await t.ledger.contacts.count(launch), 1);

			const undone = await t.ledger.contacts.unmerge({ launch, contactId: source.contactId, source: 'test' });
			assert.deepEqual(undone.keptOnTarget, []);
			const restoredTarget = await t.ledger.contacts.get(target.contactId);
			const restoredSource = await t.ledger.contacts.get(source.contactId);
			assert.deepEqual(restoredTarget?.profile, before?.profile);
			assert.deepEqual(restoredTarget?.lastTouch, before?.lastTouch);
			assert.deepEqual(restoredTarget?.tags, ['vip']);
			assert.equal(restoredSource?.status, 'active');
			assert.deepEqual(restoredSource?.tags, ['buyer']);
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'new@example.com' }))?.id, source.contactId);
			assert.equal(await t.ledger.contacts.count(launch), 2);
			const types = (await t.ledger.contacts.history(source.contactId)).map((e) => e.type);
			assert.deepEqual(types.slice(-2), ['contact.merged', 'contact.unmerged']);
		});

		it('unmerge keeps values changed on the target after the merge', async () => {
			const launch = 'merge-later';
			await t.ledger.settings.update(launch, { mergePolicy: { default: 'last-wins' } });
			const target = await t.ledger.contacts.upsert({ launch, email: 't@example.com', fields: { city: 'Paris' }, receivedAt: 1 });
			const source = await t.ledger.contacts.upsert({ launch, email: 's@example.com', fields: { city: 'Rome', job: 'poet' }, receivedAt: 2 });
			await t.ledger.contacts.merge({ launch, sourceContactId: source.contactId, targetContactId: target.contactId });
			await t.ledger.contacts.upsert({ launch, email: 't@example.com', fields: { city: 'Berlin' } });
			const result = await t.ledger.contacts.unmerge({ launch, contactId: source.contactId });
			assert.deepEqual(result.keptOnTarget, ['city']);
			const restored = await t.ledger.contacts.get(target.contactId);
			assert.deepEqual(restored?.profile, { city: 'Berlin' }, 'job came from the source and went back; the later city stays');
		});

		it('resolves a review item by merging, and rejects bad merge input naming the field', async () => {
			const launch = 'review-merge';
			const a = await t.ledger.contacts.upsert({ launch, email: 'a@example.com', phone: '+1 415 555 0199' });
			const b = await t.ledger.contacts.upsert({ launch, email: 'b@example.com', phone: '+1 415 555 0199' });
			const review = b.conflicts[0]!;
			await t.ledger.contacts.merge({ launch, sourceContactId: b.contactId, targetContactId: a.contactId, reviewId: review.id });
			assert.equal((await t.ledger.review.get(review.id))?.status, 'resolved');
			await assert.rejects(t.ledger.contacts.merge({ launch, sourceContactId: a.contactId, targetContactId: a.contactId }), /targetContactId: is the same contact/);
			await assert.rejects(t.ledger.contacts.merge({ launch, sourceContactId: b.contactId, targetContactId: a.contactId }), /sourceContactId: contact .* is merged/);
		});
	});
}
