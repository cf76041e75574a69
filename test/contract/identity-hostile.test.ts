import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, type SignupBody, type SubmitResult } from '../../ledger';
import { createStore, migrate } from '../../ledger/internal';
import { DRIVERS, freshDatabase, freshLedger, type TestDatabase, type TestLedger } from '../support/stores';

/**
 * Issue 20 row 6: one person, typed in ways that look the same to a human. Each variant of a known
 * address must land on the same contact, be refused naming the field, or be kept apart but flagged
 * for review as a possible duplicate — never silently become a second person.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });

type Refused = Extract<SubmitResult, { accepted: false }>;
type Accepted = Extract<SubmitResult, { accepted: true }>;

for (const driver of DRIVERS) {
	describe(`[${driver}] identity: invisible characters, Unicode forms, IDN and lookalikes`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const submit = (launch: string, email: string) => t.ledger.capture.submit({ launch, options: {}, request: { body: json({ email }) } });
		const accepted = async (launch: string, email: string): Promise<Accepted> => {
			const result = await submit(launch, email);
			assert.equal(result.accepted, true, `${JSON.stringify(email)} should be accepted, got ${JSON.stringify(result)}`);
			return result as Accepted;
		};
		const openDuplicates = async (launch: string) => (await t.ledger.review.list(launch, { status: 'open' })).filter((r) => r.kind === 'possible_duplicate');

		it('control and invisible characters are refused 422, naming the email field and the character', async () => {
			const launch = 'row6-invisible';
			const real = await accepted(launch, 'ada@example.com');
			const variants: Array<[string, string]> = [
				['ada\u200b@example.com', 'U+200B'], // zero-width space
				['ada\u200d@example.com', 'U+200D'], // zero-width joiner
				['a\u00adda@example.com', 'U+00AD'], // soft hyphen
				['ada\ufeff@example.com', 'U+FEFF'], // byte-order mark (at the edges, trim drops it)
				['ada\u0000@example.com', 'U+0000'], // NUL
				['ad\u0007a@example.com', 'U+0007'], // BEL
				['ada@exam\u202eple.com', 'U+202E'], // bidi override
				['ada@example\u2066.com', 'U+2066'], // bidi isolate
			];
			for (const [email, code] of variants) {
				const result = (await submit(launch, email)) as Refused;
				assert.equal(result.accepted, false, `${JSON.stringify(email)} should be refused`);
				assert.deepEqual([result.status, result.reason, result.errors[0]?.field], [422, 'invalid', 'email'], JSON.stringify(email));
				assert.match(result.errors[0]!.reason, new RegExp(code.replace('+', '\\+')), 'the reason names the character');
				assert.match(result.errors[0]!.reason, /type the address again/);
			}
			const [row] = await t.ledger.store.query<{ n: number }>('SELECT COUNT(*) AS n FROM contacts WHERE launch = $1', [launch]);
			assert.equal(Number(row!.n), 1, 'still one contact');
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'ada@example.com' }))?.id, real.result.contactId);
		});

		it('fullwidth letters, a trailing dot, and IDN vs punycode domains all reach the same contact', async () => {
			const launch = 'row6-forms';
			const real = await accepted(launch, 'ada@example.com');
			for (const email of ['ａｄａ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'ada@example.com.', 'ADA@EXAMPLE.COM.', 'ａｄａ@example.com']) {
				const again = await accepted(launch, email);
				assert.deepEqual([again.result.created, again.result.contactId], [false, real.result.contactId], JSON.stringify(email));
			}
			const idn = await accepted(launch, 'ada@bücher.de');
			assert.equal(idn.result.created, true);
			for (const email of ['ada@xn--bcher-kva.de', 'Ada@BÜCHER.de', 'ada@xn--bcher-kva.de.']) {
				const again = await accepted(launch, email);
				assert.deepEqual([again.result.created, again.result.contactId], [false, idn.result.contactId], JSON.stringify(email));
			}
			// The key is the ASCII (punycode) form; the contact keeps the address as first typed.
			const [key] = await t.ledger.store.query<{ value: string; display_value: string }>('SELECT value, display_value FROM identifiers WHERE contact_id = $1', [idn.result.contactId]);
			assert.deepEqual([key?.value, key?.display_value], ['ada@xn--bcher-kva.de', 'ada@bücher.de']);
			// Linking by the other form finds the same identifier too (the Contact node's path).
			assert.equal((await t.ledger.contacts.find({ launch, kind: 'email', value: 'ada@xn--bcher-kva.de' }))?.id, idn.result.contactId);
			assert.deepEqual(await openDuplicates(launch), []);
		});

		it('a mixed-script lookalike (Cyrillic а) is kept as its own contact and flagged as a possible duplicate of the real one', async () => {
			const launch = 'row6-lookalike';
			const real = await accepted(launch, 'ada@example.com');
			const local = await accepted(launch, '\u0430da@example.com'); // Cyrillic а in the local part
			assert.equal(local.result.created, true);
			assert.notEqual(local.result.contactId, real.result.contactId);
			const domain = await accepted(launch, 'ada@ex\u0430mple.com'); // Cyrillic а in the domain
			assert.equal(domain.result.created, true);
			const greek = await t.ledger.contacts.upsert({ launch, email: 'ad\u03b1@example.com' }); // Greek α, through the Contact node's path
			assert.equal(greek.created, true);

			const items = await openDuplicates(launch);
			assert.deepEqual(
				items.map((r) => [r.reason, r.contactId, r.otherContactId, r.payload.skeleton]).sort(),
				[
					['lookalike_address', local.result.contactId, real.result.contactId, 'ada@example.com'],
					['lookalike_address', domain.result.contactId, real.result.contactId, 'ada@example.com'],
					['lookalike_address', greek.contactId, real.result.contactId, 'ada@example.com'],
				].sort(),
			);
			// A repeat of the lookalike does not open a second item.
			await accepted(launch, '\u0430da@example.com');
			assert.equal((await openDuplicates(launch)).length, 3);
		});

		it('single-script non-Latin addresses and lookalikes of nobody open no review item', async () => {
			const launch = 'row6-no-flag';
			await accepted(launch, 'ada@example.com');
			await accepted(launch, 'иван@пример.рф'); // all Cyrillic: a real address, not a lookalike
			await accepted(launch, 'b\u043eb@example.com'); // mixed, but no "bob@example.com" exists
			assert.deepEqual(await openDuplicates(launch), []);
		});
	});
}

for (const driver of DRIVERS) {
	describe(`[${driver}] migration 5: email keys made under the old rules`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => db.drop());

		it('re-keys IDN, fullwidth and trailing-dot keys; a collision stays apart with a review item; ASCII keys are untouched', async () => {
			const store = createStore(db.config);
			const ledger = new Ledger(store);
			try {
				assert.equal(await migrate(store, 4), 4);
				const launch = 'old-keys';
				// Keys as the old rule (trim, NFC, lowercase) stored them.
				const old: Array<[string, string]> = [
					['c-idn', 'ada@bücher.de'],
					['c-wide', 'ｂｏｂ@example.com'],
					['c-dot', 'cy@example.com.'],
					['c-plain', 'dee@example.com'],
					['c-puny', 'eve@xn--bcher-kva.de'],
					['c-eve-idn', 'eve@bücher.de'],
					['c-hidden', 'fay\u200b@example.com'],
				];
				for (const [id, email] of old) {
					await store.execute("INSERT INTO contacts (id, launch, status, email, created_at, updated_at) VALUES ($1, $2, 'active', $3, 1, 1)", [id, launch, email]);
					await store.execute("INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at) VALUES ($1, 'email', $2, $3, $2, 1)", [launch, email, id]);
				}
				await migrate(store);
				const keys = await store.query<{ contact_id: string; value: string }>("SELECT contact_id, value FROM identifiers WHERE launch = $1 ORDER BY contact_id", [launch]);
				assert.deepEqual(
					keys.map((k) => [k.contact_id, k.value]),
					[
						['c-dot', 'cy@example.com'],
						['c-eve-idn', 'eve@bücher.de'],
						['c-hidden', 'fay\u200b@example.com'],
						['c-idn', 'ada@xn--bcher-kva.de'],
						['c-plain', 'dee@example.com'],
						['c-puny', 'eve@xn--bcher-kva.de'],
						['c-wide', 'bob@example.com'],
					],
				);
				const review = await ledger.review.list(launch, { status: 'open' });
				assert.deepEqual(
					review.map((r) => [r.kind, r.reason, r.contactId, r.otherContactId]),
					[['possible_duplicate', 'same_address_after_normalization', 'c-eve-idn', 'c-puny']],
				);
				// New signups typed either way now find the re-keyed contacts.
				for (const [email, id] of [['ada@xn--bcher-kva.de', 'c-idn'], ['bob@example.com', 'c-wide'], ['CY@example.com', 'c-dot'], ['eve@bücher.de', 'c-puny']]) {
					assert.equal((await ledger.contacts.upsert({ launch, email })).contactId, id, email);
				}
			} finally {
				await ledger.close();
			}
		});
	});
}
