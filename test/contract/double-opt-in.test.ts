import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore, type CaptureOptions, type SignupBody, type SubmitResult } from '../../ledger';
import { DRIVERS, freshDatabase, freshLedger, type TestLedger } from '../support/stores';
import { runJsonWorker } from '../support/json-worker';

/**
 * Double opt-in (issue 19): a new person is unconfirmed; their ESP / CRM syncs wait in the outbox and
 * their referral is withheld; the signed link confirms them once (20 clicks in 4 processes included),
 * releasing the syncs (sent once) and the referral (an event in the referrer's history); a tampered,
 * expired or status link is refused; the ESP's own double opt-in sends the ESP sync and holds the CRM's.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
type Accepted = Extract<SubmitResult, { accepted: true }>['result'];
const N8N: CaptureOptions = { doubleOptIn: { sentBy: 'n8n', confirmUrl: 'https://n8n.example.com/webhook/waitlist-signup/confirm' } };

async function signup(ledger: Ledger, launch: string, fields: Record<string, unknown>, options: CaptureOptions = N8N, now?: number): Promise<Accepted> {
	const result = await ledger.capture.submit({ launch, options, request: { body: json(fields), remoteAddress: '203.0.113.9', userAgent: 'contract-test' }, now });
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return (result as Extract<SubmitResult, { accepted: true }>).result;
}

const tokenOf = (result: Accepted): string => {
	const link = result.optin.email?.confirmLink;
	assert.ok(link, `a confirmation link: ${JSON.stringify(result.optin)}`);
	return new URL(link).searchParams.get('token')!;
};

async function statuses(ledger: Ledger, launch: string, contactId: string): Promise<Record<string, string>> {
	const rows = await ledger.store.query<{ kind: string; status: string }>('SELECT kind, status FROM outbox WHERE launch = $1 AND contact_id = $2 ORDER BY kind', [launch, contactId]);
	return Object.fromEntries(rows.map((r) => [r.kind, r.status]));
}

for (const driver of DRIVERS) {
	describe(`[${driver}] double opt-in`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('off by default: a signup counts at once, no confirmation email', async () => {
			const result = await signup(t.ledger, 'off', { email: 'ada@example.com' }, {});
			assert.deepEqual(result.optin, { status: 'off' });
			assert.deepEqual(await statuses(t.ledger, 'off', result.contactId), { crm_sync: 'pending', esp_sync: 'pending' });
		});

		it('an unconfirmed signup\'s syncs wait (never claimed) while its confirmation email goes out; confirming sends each sync once', async () => {
			const launch = 'held';
			const ada = await signup(t.ledger, launch, { email: 'Ada@Example.com' });
			assert.equal(ada.optin.status, 'unconfirmed');
			assert.deepEqual(await statuses(t.ledger, launch, ada.contactId), { crm_sync: 'unconfirmed', esp_sync: 'unconfirmed', optin_email: 'pending' });
			const [email] = await t.ledger.outbox.list({ launch, kinds: ['optin_email'] });
			assert.equal(email!.payload.email, 'Ada@Example.com');
			assert.match(String(email!.payload.confirmLink), /^https:\/\/n8n\.example\.com\/webhook\/waitlist-signup\/confirm\?token=/);

			const claimed = await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' });
			assert.deepEqual(claimed.map((c) => c.kind), ['optin_email'], 'only the confirmation email is handed out');
			await t.ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			// A repeat signup the same day while unconfirmed: no second email, no sync let out.
			const again = await signup(t.ledger, launch, { email: 'ada@example.com', first_name: 'Ada' });
			assert.equal(again.optin.email?.created, false);
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' })).length, 0, 'the changed profile waits too');

			// Opening the link (a mail scanner does) only reads: the page asks for the button.
			assert.deepEqual(await t.ledger.optin.checkConfirmLink({ launch, token: tokenOf(ada) }), { outcome: 'ready', contactId: ada.contactId });
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' })).length, 0, 'reading the link releases nothing');
			assert.equal((await t.ledger.optin.checkConfirmLink({ launch, token: `${tokenOf(ada)}x` })).outcome, 'invalid');
			const confirmed = await t.ledger.optin.confirmByToken({ launch, token: tokenOf(ada) });
			assert.equal(confirmed.outcome, 'confirmed');
			assert.equal((await t.ledger.optin.checkConfirmLink({ launch, token: tokenOf(ada) })).outcome, 'already_confirmed');
			const sent = await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' });
			assert.deepEqual(sent.map((c) => c.kind).sort(), ['crm_sync', 'crm_sync', 'esp_sync', 'esp_sync'], 'the signup\'s and the repeat\'s syncs, released');
			await t.ledger.outbox.ack(launch, sent.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			assert.equal((await t.ledger.optin.confirmByToken({ launch, token: tokenOf(ada) })).outcome, 'already_confirmed');
			assert.equal((await t.ledger.outbox.claim({ launch, limit: 100, leaseMs: 60_000, workerId: 'drain' })).length, 0, 'confirming again releases nothing more');
			const done = await t.ledger.store.query<{ id: string }>(`SELECT id FROM outbox WHERE launch = $1 AND status = 'done' AND kind IN ('esp_sync', 'crm_sync')`, [launch]);
			assert.equal(done.length, 4);
			const history = await t.ledger.contacts.history(ada.contactId);
			assert.equal(history.filter((e) => e.type === 'optin.requested').length, 1);
			assert.equal(history.filter((e) => e.type === 'optin.confirmed').length, 1);
			// Confirmed now: a later change syncs at once.
			const later = await signup(t.ledger, launch, { email: 'ada@example.com', last_name: 'Lovelace' });
			assert.deepEqual(later.pendingSync.map((p) => p.status), ['pending', 'pending']);
			assert.equal(later.optin.status, 'confirmed');
		});

		it('an unconfirmed referral is withheld, then released on confirm; both are events in the referrer\'s history', async () => {
			const launch = 'referral';
			const host = await signup(t.ledger, launch, { email: 'host@example.com' });
			await t.ledger.optin.confirmByToken({ launch, token: tokenOf(host) });
			const guest = await signup(t.ledger, launch, { email: 'guest@example.com', ref: host.referral.code });
			const referred = guest.referral.referredBy;
			assert.ok(referred && 'status' in referred);
			assert.equal(referred.status, 'withheld');
			assert.match(String(referred.reason), /^unconfirmed/);
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: host.contactId })).referrals, { counted: 0, pending: 1 });
			const result = await t.ledger.optin.confirmByToken({ launch, token: tokenOf(guest) });
			assert.deepEqual(result.outcome === 'confirmed' && result.referralReleased, true);
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: host.contactId })).referrals, { counted: 1, pending: 0 });
			assert.equal((await t.ledger.optin.confirmByToken({ launch, token: tokenOf(guest) })).outcome, 'already_confirmed');
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: host.contactId })).referrals, { counted: 1, pending: 0 }, 'counted once');
			const types = (await t.ledger.contacts.history(host.contactId)).map((e) => e.type);
			assert.equal(types.filter((x) => x === 'referral.withheld').length, 1);
			assert.equal(types.filter((x) => x === 'referral.released').length, 1);
		});

		it('a tampered, expired or status link confirms no one; a person never asked needs no confirming', async () => {
			const launch = 'links';
			const now = Date.now();
			const ada = await signup(t.ledger, launch, { email: 'ada@example.com' }, { doubleOptIn: { sentBy: 'n8n', linkValidDays: 1 } }, now);
			const token = ada.optin.email!.token;
			assert.equal(ada.optin.email!.confirmLink, null, 'no page address given: the token alone');
			const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
			for (const bad of [flipped, `x${token}`, token.replace(ada.contactId, 'someone-else'), '', 'a.b', null, 42, 'a'.repeat(500)]) {
				assert.equal((await t.ledger.optin.confirmByToken({ launch, token: bad })).outcome, 'invalid', `refused: ${String(bad).slice(0, 40)}`);
			}
			assert.equal((await t.ledger.optin.confirmByToken({ launch: 'other-launch', token })).outcome, 'invalid', 'signed for another launch');
			const statusToken = await t.ledger.referrals.statusToken(launch, ada.contactId);
			assert.equal((await t.ledger.optin.confirmByToken({ launch, token: statusToken })).outcome, 'invalid', 'a status link is not a confirmation link');
			assert.equal((await t.ledger.optin.confirmByToken({ launch, token, now: now + 2 * 86_400_000 })).outcome, 'expired');
			assert.equal((await t.ledger.optin.unconfirmed({ launch, olderThanHours: 0 })).total, 1, 'still unconfirmed');
			const bob = await signup(t.ledger, launch, { email: 'bob@example.com' }, {});
			assert.equal((await t.ledger.optin.confirm({ launch, contactId: bob.contactId, by: 'kit' })).outcome, 'not_required');
		});

		it('20 clicks on one link in 4 processes confirm once and release the syncs once', async () => {
			const db = await freshDatabase(driver);
			const ledger = new Ledger(await openStore(db.config));
			try {
				const launch = 'race';
				const guest = await signup(ledger, launch, { email: 'guest@example.com' });
				const outcomes = (await Promise.all(Array.from({ length: 4 }, () => runJsonWorker<string[]>('test/support/confirm-worker.ts', { config: db.config, launch, token: tokenOf(guest), count: 5 })))).flat();
				assert.equal(outcomes.length, 20);
				assert.deepEqual(outcomes.filter((o) => o === 'confirmed').length, 1, JSON.stringify(outcomes));
				assert.deepEqual(outcomes.filter((o) => o === 'already_confirmed').length, 19);
				const history = await ledger.contacts.history(guest.contactId);
				assert.equal(history.filter((e) => e.type === 'optin.confirmed').length, 1);
				assert.deepEqual(await statuses(ledger, launch, guest.contactId), { crm_sync: 'pending', esp_sync: 'pending', optin_email: 'pending' });
			} finally {
				await ledger.close();
				await db.drop();
			}
		});

		it('with the ESP\'s own double opt-in the ESP sync goes out (it asks the ESP to send its email) and the CRM sync waits for Confirm Opt-In', async () => {
			const launch = 'esp';
			const ada = await signup(t.ledger, launch, { email: 'ada@example.com' }, { doubleOptIn: { sentBy: 'esp' } });
			assert.deepEqual(ada.optin, { status: 'unconfirmed', sentBy: 'esp' });
			assert.deepEqual(await statuses(t.ledger, launch, ada.contactId), { crm_sync: 'unconfirmed', esp_sync: 'pending' });
			const result = await t.ledger.optin.confirm({ launch, contactId: ada.contactId, by: 'kit' });
			assert.equal(result.outcome, 'confirmed');
			assert.deepEqual(await statuses(t.ledger, launch, ada.contactId), { crm_sync: 'pending', esp_sync: 'pending' });
			assert.equal((await t.ledger.optin.confirm({ launch, contactId: ada.contactId, by: 'kit' })).outcome, 'already_confirmed');
			await assert.rejects(t.ledger.optin.confirm({ launch, contactId: ada.contactId, by: ' ' }), { field: 'by' });
		});

		it('a flagged, unconfirmed signup waits for both: Clear keeps it waiting for the link, the link then releases syncs and referral', async () => {
			const launch = 'flagged';
			const host = await signup(t.ledger, launch, { email: 'host@example.com' }, {});
			const options: CaptureOptions = { ...N8N, abuse: { holdFlaggedSync: true } };
			const guest = await signup(t.ledger, launch, { email: 'guest@mailinator.com', ref: host.referral.code }, options);
			assert.equal(guest.abuse.flagged, true);
			assert.deepEqual(await statuses(t.ledger, launch, guest.contactId), { crm_sync: 'flagged', esp_sync: 'flagged', optin_email: 'flagged' }, 'nothing is mailed to a flagged address until a person clears it');
			await t.ledger.abuse.clear({ launch, contactId: guest.contactId, by: 'reviewer' });
			assert.deepEqual(await statuses(t.ledger, launch, guest.contactId), { crm_sync: 'unconfirmed', esp_sync: 'unconfirmed', optin_email: 'pending' });
			const credit = (await t.ledger.referrals.standing({ launch, contactId: guest.contactId })).referredBy;
			assert.equal(credit?.status, 'withheld');
			assert.match(String(credit?.reason), /^unconfirmed/);
			await t.ledger.optin.confirmByToken({ launch, token: tokenOf(guest) });
			assert.deepEqual(await statuses(t.ledger, launch, guest.contactId), { crm_sync: 'pending', esp_sync: 'pending', optin_email: 'pending' });
			assert.deepEqual((await t.ledger.referrals.standing({ launch, contactId: host.contactId })).referrals, { counted: 1, pending: 0 });
		});

		it('a merge vouches for the person when either half confirmed (or never had to); unmerge gives the half its state back', async () => {
			const launch = 'merge';
			const before = await signup(t.ledger, launch, { email: 'old@example.com' }, {});
			const fresh = await signup(t.ledger, launch, { email: 'new@example.com' });
			assert.deepEqual(await statuses(t.ledger, launch, fresh.contactId), { crm_sync: 'unconfirmed', esp_sync: 'unconfirmed', optin_email: 'pending' });
			await t.ledger.contacts.merge({ launch, sourceContactId: fresh.contactId, targetContactId: before.contactId });
			const moved = await t.ledger.store.query<{ kind: string; status: string }>(`SELECT kind, status FROM outbox WHERE launch = $1 AND contact_id = $2 AND kind IN ('esp_sync', 'crm_sync') ORDER BY kind, status`, [launch, before.contactId]);
			assert.ok(moved.every((m) => m.status === 'pending'), `the merged half's syncs go out: ${JSON.stringify(moved)}`);
			assert.equal((await t.ledger.optin.unconfirmed({ launch, olderThanHours: 0 })).total, 0);
			await t.ledger.contacts.unmerge({ launch, contactId: fresh.contactId });
			assert.equal((await t.ledger.optin.unconfirmed({ launch, olderThanHours: 0 })).total, 1, 'the half is unconfirmed again');

			const a = await signup(t.ledger, launch, { email: 'a@example.com' });
			const b = await signup(t.ledger, launch, { email: 'b@example.com' });
			await t.ledger.optin.confirmByToken({ launch, token: tokenOf(a) });
			await t.ledger.contacts.merge({ launch, sourceContactId: a.contactId, targetContactId: b.contactId });
			assert.equal((await t.ledger.optin.confirm({ launch, contactId: b.contactId, by: 'test' })).outcome, 'already_confirmed', 'the confirmed half confirmed the person');
			assert.deepEqual(await statuses(t.ledger, launch, b.contactId), { crm_sync: 'pending', esp_sync: 'pending', optin_email: 'pending' });
		});

		it('unconfirmed people older than a setting are listed, oldest first, never deleted; forget discards their waiting syncs', async () => {
			const launch = 'report';
			const now = Date.now();
			const old = await signup(t.ledger, launch, { email: 'old@example.com' }, N8N, now - 72 * 3_600_000);
			await signup(t.ledger, launch, { email: 'new@example.com' }, N8N, now - 3_600_000);
			const report = await t.ledger.optin.unconfirmed({ launch, olderThanHours: 48, now });
			assert.equal(report.total, 1);
			assert.deepEqual(report.contacts.map((c) => [c.email, c.waitingHours]), [['old@example.com', 72]]);
			assert.equal((await t.ledger.optin.unconfirmed({ launch, olderThanHours: 0, now })).total, 2);
			await assert.rejects(t.ledger.optin.unconfirmed({ launch, olderThanHours: -1 }), { field: 'olderThanHours' });
			await t.ledger.contacts.forget({ launch, contactId: old.contactId });
			assert.equal((await t.ledger.optin.unconfirmed({ launch, olderThanHours: 0, now })).total, 1);
			const [row] = await t.ledger.store.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM outbox WHERE contact_id = $1 AND status = 'unconfirmed'`, [old.contactId]);
			assert.equal(Number(row!.n), 0);
		});
	});
}
