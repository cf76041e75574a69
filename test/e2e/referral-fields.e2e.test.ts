/**
 * Issue 19 on a real n8n: 1,000 signups, 300 of them through the referral links of 30 people, taken
 * by the launch-day capture (spike mode: every sync waits in the outbox) and sent by the MailerLite
 * piece as shipped. MailerLite (the vendor fake in the n8n process) must end up holding every
 * person's referral_link, place_in_line and referral_count with the ledger's final values, and no
 * person may get more than one update per drain run (one n8n execution of the piece).
 *
 * Test settings in the imported copies only: the fake's credential, the piece's schedule every 4 s
 * and its batch at 1,000, the landing page for referral links, and the capture's velocity signals
 * off (every signup comes from 127.0.0.1; abuse signals have their own e2e). Five places per
 * referral, so that credits move referrers past people MailerLite already holds.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';

import { Ledger, openStore } from '../../ledger';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import type { TemplateJson } from '../support/signup-template';
import { runSignupLoad } from '../support/signup-load';

const REFERRERS = 30;
const PER_REFERRER = 10;
const SIGNUPS = 1000;
const LANDING = 'https://example.com/waitlist';
const CREDENTIAL = { id: 'wlFakeMailerLite', name: 'MailerLite (vendor fake)', type: 'mailerLiteApi', data: { apiKey: 'ml-test-key', classicApi: false } };

function template(file: string): TemplateJson {
	return JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', file), 'utf8')) as TemplateJson;
}

function capture(): TemplateJson {
	const wf = template('launch-day-capture.json');
	for (const node of wf.nodes) if (node.type === 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger') node.parameters.abuse = { networkLimit: 0, patternLimit: 0 };
	return wf;
}

function mailerLitePiece(): TemplateJson {
	const wf = template('vendors/esp-mailerlite.json');
	for (const node of wf.nodes) {
		const p = node.parameters;
		if (node.type === 'n8n-nodes-base.mailerLite') node.credentials = { mailerLiteApi: { id: CREDENTIAL.id, name: CREDENTIAL.name } };
		if (node.type === 'n8n-nodes-base.scheduleTrigger') p.rule = { interval: [{ field: 'seconds', secondsInterval: 4 }] };
		if (node.type === 'n8n-nodes-waitlist-ledger.accessOutbox' && p.operation === 'claim') Object.assign(p, { batchSize: 1000, referralLinkBase: LANDING });
	}
	return wf;
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 1000));
	}
}

describe('real n8n: referral custom fields to MailerLite, 1,000 signups with 300 through 30 links', { timeout: 6 * 60_000 }, () => {
	let n8n: E2eN8n;
	let ledger: Ledger;
	before(async () => {
		n8n = await startE2eN8n({ workflows: [capture(), mailerLitePiece()], credentials: [CREDENTIAL], vendorFakes: {} });
		ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
	});
	after(async () => {
		await ledger?.close();
		await n8n?.stop();
	});

	it('MailerLite ends with every person\'s final link, place and count; at most one update per person per drain run', async () => {
		const url = n8n.webhookUrl('waitlist-signup');
		// Five places per counted referral, and the referrers behind 300 others: each credit moves a
		// referrer past people MailerLite already holds, whose places change too.
		await ledger.referrals.setSpotsPerReferral('default', 5);
		const started = Date.now();
		const early = Array.from({ length: 300 }, (_, i) => `early${i}@example.com`);
		const referrers = Array.from({ length: REFERRERS }, (_, i) => `referrer${i}@example.com`);
		for (const batch of [early, referrers]) assert.deepEqual([...new Set((await runSignupLoad(url, batch, 10)).statuses)], [201]);
		const codes: string[] = [];
		for (const email of referrers) {
			const contact = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: email }))!;
			codes.push((await ledger.referrals.standing({ launch: 'default', contactId: contact.id })).code);
		}
		// The other 670: 300 through a link (10 per referrer) in among the rest, while the piece is
		// already sending — so credits land on people MailerLite already has.
		const rest = Array.from({ length: SIGNUPS - early.length - REFERRERS }, (_, i) => i);
		const referred = new Map<string, string>();
		const bodies = rest.map((i) => {
			const email = `person${i}@example.com`;
			if (i % 2 === 0 && referred.size < REFERRERS * PER_REFERRER) referred.set(email, codes[referred.size % REFERRERS]!);
			return { email, ref: referred.get(email) };
		});
		assert.equal(referred.size, REFERRERS * PER_REFERRER);
		const results = await Promise.all(
			Array.from({ length: 10 }, async (_, lane) => {
				const statuses: number[] = [];
				for (let i = lane; i < bodies.length; i += 10) {
					const b = bodies[i]!;
					const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b.ref ? { email: b.email, ref: b.ref } : { email: b.email }) });
					statuses.push(res.status);
					await res.arrayBuffer();
				}
				return statuses;
			}),
		);
		assert.deepEqual([...new Set(results.flat())], [201]);
		const signupSeconds = (Date.now() - started) / 1000;

		// Drained: no ESP sync left to send and no field mark left to look at, twice in a row.
		const db = new DatabaseSync(n8n.ledgerPath, { readOnly: true });
		let quiet = 0;
		await until('the piece drained every ESP sync and field change', 4 * 60_000, async () => {
			const [open] = db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'esp_sync' AND status IN ('pending', 'failed', 'claimed')").all() as Array<{ n: number }>;
			const [marks] = db.prepare('SELECT COUNT(*) AS n FROM referral_field_changes').all() as Array<{ n: number }>;
			quiet = open!.n === 0 && marks!.n === 0 ? quiet + 1 : 0;
			return quiet >= 2;
		});
		const drainedSeconds = (Date.now() - started) / 1000;

		// What MailerLite received, per person, in order.
		const calls = new Map<string, Array<Record<string, string>>>();
		for (const r of n8n.vendorRequests()) {
			if (r.fake !== 'mailerlite' || r.method !== 'POST') continue;
			assert.equal(r.outcome, 'ok');
			const body = r.body as { email: string; fields: Record<string, string> };
			(calls.get(body.email) ?? calls.set(body.email, []).get(body.email)!).push(body.fields);
		}
		assert.equal(calls.size, SIGNUPS, 'MailerLite holds every person');

		// The ledger's final values are MailerLite's last ones, for all 1,000.
		const entries = db.prepare("SELECT contact_id, claimed_by, status, payload FROM outbox WHERE kind = 'esp_sync'").all() as Array<{ contact_id: string; claimed_by: string; status: string; payload: string }>;
		db.close();
		const byContact = new Map<string, typeof entries>();
		for (const e of entries) (byContact.get(e.contact_id) ?? byContact.set(e.contact_id, []).get(e.contact_id)!).push(e);
		let counted = 0;
		let updates = 0;
		let moved = 0;
		for (const email of [...early, ...referrers, ...bodies.map((b) => b.email)]) {
			const contact = (await ledger.contacts.find({ launch: 'default', kind: 'email', value: email }))!;
			const s = await ledger.referrals.standing({ launch: 'default', contactId: contact.id });
			const last = calls.get(email)!.at(-1)!;
			assert.deepEqual(
				{ referral_link: last.referral_link, place_in_line: last.place_in_line, referral_count: last.referral_count },
				{ referral_link: `${LANDING}?ref=${s.code}`, place_in_line: String(s.place), referral_count: String(s.referrals.counted) },
				email,
			);
			counted += s.referrals.counted;
			if (calls.get(email)![0]!.place_in_line !== last.place_in_line) moved++;
			const own = byContact.get(contact.id)!;
			assert.ok(own.every((e) => e.status === 'done'));
			assert.equal(calls.get(email)!.length, own.length, `${email}: one MailerLite call per ESP sync`);
			const runs = own.map((e) => e.claimed_by);
			assert.equal(new Set(runs).size, runs.length, `${email}: at most one update per drain run (${runs.join(', ')})`);
			updates += own.filter((e) => (JSON.parse(e.payload) as { reason?: string }).reason === 'referral_fields').length;
		}
		assert.equal(counted, REFERRERS * PER_REFERRER, 'every referral counted once');
		assert.ok(moved > REFERRERS, `people other than the referrers changed place too (${moved} in all)`);
		for (const [i, email] of referrers.entries()) {
			const last = calls.get(email)!.at(-1)!;
			assert.equal(last.referral_count, String(PER_REFERRER), `referrer ${i}`);
		}
		const runIds = new Set(entries.map((e) => e.claimed_by));
		console.log(
			`referral fields e2e: ${SIGNUPS} signups in ${signupSeconds.toFixed(1)} s, drained after ${drainedSeconds.toFixed(1)} s; ` +
				`${[...calls.values()].reduce((n, c) => n + c.length, 0)} MailerLite calls (${SIGNUPS} signups + ${updates} field updates for ${REFERRERS * PER_REFERRER} credits) in ${runIds.size} drain runs; ${moved} people's place changed after their first sync`,
		);
	});
});
