import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Ledger, openStore, type SignupBody } from '../../ledger';
import { placeByScan, placeInLine } from '../../ledger/internal';
import { DRIVERS, freshDatabase } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

/**
 * Repeat signups and the launch's line lock (issue 19): a repeat of someone who already has a code and
 * a place only reads — it takes no lock and writes nothing to the line — while repeats of a contact from
 * before referrals and the first signup of a new person still end with exactly one code and one place
 * each when they race in several processes.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
const runWorker = (args: object) => runJsonWorker<Array<{ contactId: string }>>('test/support/signup-worker.ts', args);

for (const driver of DRIVERS) {
	describe(`[${driver}] repeat signups and the line lock`, () => {
		it('a repeat of someone with a code and a place leaves the line untouched (and, on PostgreSQL, commits while another transaction holds the line lock)', { timeout: 60_000 }, async () => {
			const db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				const launch = 'settled';
				const submit = (email: string) => ledger.capture.submit({ launch, options: {}, request: { body: json({ email }), remoteAddress: '203.0.113.5', userAgent: 't' } });
				const first = await submit('ada@example.com');
				assert.ok(first.accepted);
				await submit('bob@example.com');
				// lockLine stamps updated_at with the signup's time: a repeat that took the lock would overwrite this 0.
				await ledger.store.execute('UPDATE line_settings SET updated_at = 0 WHERE launch = $1', [launch]);
				const settingsBefore = await ledger.store.query('SELECT next_number, updated_at FROM line_settings WHERE launch = $1', [launch]);
				const countsBefore = await ledger.store.query('SELECT level, prefix, count FROM line_counts WHERE launch = $1 ORDER BY level, prefix', [launch]);

				let again: Awaited<ReturnType<typeof submit>>;
				if (driver === 'postgres') {
					// Another transaction holds the line's lock row; the repeat must finish before it lets go.
					// Should the repeat queue on that row instead, PostgreSQL shows it waiting on the holder's
					// transaction id in pg_locks: the test fails on that at once rather than hanging.
					let release: () => void = () => undefined;
					const gate = new Promise<void>((resolve) => (release = resolve));
					let held: (xid: string) => void = () => undefined;
					const holderXid = new Promise<string>((resolve) => (held = resolve));
					const holder = ledger.store.transaction(async (tx) => {
						await tx.query('SELECT launch FROM line_settings WHERE launch = $1 FOR UPDATE', [launch]);
						const [row] = await tx.query<{ xid: string }>('SELECT txid_current()::text AS xid');
						held(row!.xid);
						await gate;
					});
					try {
						const xid = await holderXid;
						let settled = false;
						const repeat = submit('ADA@example.com').finally(() => (settled = true));
						const queued = (async () => {
							while (!settled) {
								const waiting = await ledger.store.query("SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1", [xid]);
								if (waiting.length > 0) throw new Error('the repeat signup queued on the line lock');
								await new Promise((resolve) => setTimeout(resolve, 20));
							}
						})();
						again = await Promise.race([repeat, queued.then(() => repeat)]);
					} finally {
						release();
						await holder;
					}
				} else {
					again = await submit('ADA@example.com');
				}
				assert.ok(again.accepted);
				assert.equal(again.result.created, false);
				assert.equal(again.result.referral.code, first.result.referral.code);
				assert.deepEqual(await ledger.store.query('SELECT next_number, updated_at FROM line_settings WHERE launch = $1', [launch]), settingsBefore);
				assert.deepEqual(await ledger.store.query('SELECT level, prefix, count FROM line_counts WHERE launch = $1 ORDER BY level, prefix', [launch]), countsBefore);
				assert.equal((await ledger.referrals.place(launch, first.result.contactId))?.place, 1);

				// A first signup still takes the lock (and moves next_number on).
				const carol = await submit('carol@example.com');
				assert.ok(carol.accepted);
				const [after] = await ledger.store.query<{ next_number: number | string; updated_at: number | string }>('SELECT next_number, updated_at FROM line_settings WHERE launch = $1', [launch]);
				assert.equal(Number(after!.next_number), 4);
				assert.notEqual(Number(after!.updated_at), 0);
			} finally {
				await ledger.close();
				await db.drop();
			}
		});

		it('repeats of a settled person, of a contact from before referrals and first signups of a new person race in 6 processes (2 per person): one code and one place each', { timeout: 120_000 }, async () => {
			const db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				const launch = 'race';
				const settled = await ledger.capture.submit({ launch, options: {}, request: { body: json({ email: 'host@example.com' }), remoteAddress: '203.0.113.1', userAgent: 't' } });
				assert.ok(settled.accepted);
				// Added by Waitlist Contact (not a signup): no code, no place yet.
				const old = await ledger.contacts.upsert({ launch, email: 'old@example.com', source: 'contract-test' });
				assert.equal((await ledger.store.query('SELECT code FROM referral_codes WHERE contact_id = $1', [old.contactId])).length, 0);
				assert.equal(await ledger.referrals.place(launch, old.contactId), null);

				const people = ['host@example.com', 'old@example.com', 'new@example.com'];
				const results = await Promise.all(people.flatMap((email) => Array.from({ length: 2 }, () => runWorker({ config: db.config, launch, fields: { email }, count: 3 }))));
				const idsByEmail = people.map((_, p) => new Set(results.slice(p * 2, p * 2 + 2).flat().map((r) => r.contactId)));
				for (const [p, ids] of idsByEmail.entries()) assert.equal(ids.size, 1, `one contact for ${people[p]}`);
				const ids = idsByEmail.map((s) => [...s][0]!);
				assert.equal(ids[0], settled.result.contactId);
				assert.equal(ids[1], old.contactId);

				for (const [p, id] of ids.entries()) {
					const codes = await ledger.store.query<{ code: string }>('SELECT code FROM referral_codes WHERE contact_id = $1', [id]);
					assert.equal(codes.length, 1, `${people[p]} has exactly one code, got ${JSON.stringify(codes)}`);
				}
				assert.equal((await ledger.store.query<{ code: string }>('SELECT code FROM referral_codes WHERE contact_id = $1', [ids[0]!]))[0]!.code, settled.result.referral.code);
				const entries = await ledger.store.query<{ contact_id: string; number: number | string; credits: number | string }>('SELECT contact_id, number, credits FROM line_entries WHERE launch = $1 ORDER BY number', [launch]);
				assert.deepEqual(
					entries.map((e) => e.contact_id).sort(),
					[...ids].sort(),
					'one entry per person',
				);
				assert.deepEqual(
					entries.map((e) => Number(e.number)),
					[1, 2, 3],
					'numbers handed out once each, the settled person first',
				);
				assert.equal(entries[0]!.contact_id, ids[0]);
				const [settings] = await ledger.store.query<{ next_number: number | string }>('SELECT next_number FROM line_settings WHERE launch = $1', [launch]);
				assert.equal(Number(settings!.next_number), 4);
				const model = entries.map((e) => ({ id: e.contact_id, number: Number(e.number), credits: Number(e.credits) }));
				for (const m of model) {
					const found = await placeInLine(ledger.store, launch, m.id);
					assert.equal(found?.place, placeByScan(model, 1, m.id), `the count tree agrees with a sort for ${m.id}`);
					assert.equal(found?.of, 3);
				}
			} finally {
				await ledger.close();
				await db.drop();
			}
		});
	});
}
