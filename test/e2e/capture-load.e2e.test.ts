import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { Ledger } from '../../ledger';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { runSignupLoad, signupPlan } from '../support/signup-load';
import { FAKE_VENDOR_CREDENTIALS, signupTemplate } from '../support/signup-template';

/**
 * 2,000 signups, 20 % of them repeats of an earlier email, 50 at a time, against one real n8n:
 * exactly one contact per distinct email, every signup answered, and each new contact's vendor work
 * committed as outbox entries — in normal mode (one execution per signup, started behind the
 * answer) and in spike mode (no execution; sync entries wait for the batch drain). No timings are
 * asserted.
 */
const TOTAL = 2000;
const CONCURRENCY = 50;
// These tests count new vs repeat answers and check each answer's contact id, as the creator's own
// integration would: the answer with contact details is on (by default every accepted signup gets one answer).
const DETAILS = { answerWithContactDetails: true };
const NORMAL = signupTemplate({ launch: 'load-normal', settings: DETAILS });
const SPIKE = signupTemplate({ id: 'wlSignupSpike001', name: 'Waitlist signup (spike mode)', path: 'waitlist-signup-spike', webhookId: '6a4e3b52-5d1c-4f0e-9a55-1f7e2a9c0b99', spikeMode: true, launch: 'load-spike', settings: DETAILS });

const histogram = (statuses: number[]) => statuses.reduce<Record<number, number>>((h, s) => ((h[s] = (h[s] ?? 0) + 1), h), {});

describe('real n8n: 2,000 signups with 20 % repeats at concurrency 50 lose nothing', () => {
	let n8n: E2eN8n;
	before(async () => {
		// Spike mode runs first, so normal mode's backlog of executions cannot colour it. n8n runs with
		// the pack's default production concurrency limit (scripts/lib/n8n-instance.ts explains why).
		n8n = await startE2eN8n({ workflows: [NORMAL, SPIKE], credentials: FAKE_VENDOR_CREDENTIALS, vendorFakes: {} });
	});
	after(async () => n8n?.stop());

	const statusCounts = async (ledger: Ledger, launch: string) => {
		const counts: Record<string, number> = {};
		for (const kind of ['esp_sync', 'crm_sync']) {
			let afterSeq: number | undefined;
			for (;;) {
				const page = await ledger.outbox.list({ launch, kinds: kind, limit: 1000, afterSeq });
				for (const e of page) counts[`${kind}:${e.status}`] = (counts[`${kind}:${e.status}`] ?? 0) + 1;
				if (page.length < 1000) break;
				afterSeq = page[page.length - 1]!.seq;
			}
		}
		return counts;
	};

	it('spike mode: one contact per email, every signup answered, no execution started, every sync entry pending for the drain', async () => {
		const before = n8n.executions('wlSignupSpike001').length;
		const plan = signupPlan(TOTAL, 0.2, 'spike');
		const result = await runSignupLoad(n8n.webhookUrl('waitlist-signup-spike'), plan.emails, CONCURRENCY);
		assert.deepEqual(histogram(result.statuses), { 200: TOTAL - plan.unique, 201: plan.unique }, `answers: ${JSON.stringify(result.bodies.filter((b, i) => result.statuses[i]! >= 300).slice(0, 3))}`);
		assert.equal(result.statuses.filter((s) => s === 201).length, plan.unique);
		assert.equal(result.statuses.filter((s) => s === 200).length, TOTAL - plan.unique);
		await n8n.withLedger(async (ledger) => {
			assert.equal(await ledger.contacts.count('load-spike'), plan.unique);
			assert.deepEqual(await statusCounts(ledger, 'load-spike'), { 'esp_sync:pending': plan.unique, 'crm_sync:pending': plan.unique }, 'one Kit and one HubSpot entry per contact, none claimed');
		});
		assert.equal(n8n.executions('wlSignupSpike001').length, before, 'spike mode answers without starting executions');
	});

	it('normal mode: one contact per email, every signup answered, each new contact with one Kit and one HubSpot sync entry', async (t) => {
		const plan = signupPlan(TOTAL, 0.2, 'normal');
		const result = await runSignupLoad(n8n.webhookUrl('waitlist-signup'), plan.emails, CONCURRENCY);
		assert.deepEqual(histogram(result.statuses), { 200: TOTAL - plan.unique, 201: plan.unique }, `answers: ${JSON.stringify(result.bodies.filter((b, i) => result.statuses[i]! >= 300).slice(0, 3))}`);
		const byEmail = new Map<string, Set<string>>();
		plan.emails.forEach((email, i) => byEmail.set(email, (byEmail.get(email) ?? new Set()).add(result.bodies[i]!.contactId!)));
		assert.equal(byEmail.size, plan.unique);
		assert.ok([...byEmail.values()].every((ids) => ids.size === 1), 'every answer for one email names the same contact');

		// Each signup was committed before its answer, with its vendor work as outbox entries: one
		// esp_sync and one crm_sync per new contact, whatever state the executions (which n8n runs
		// behind the answers, at its own pace — minutes for 2,000 on this machine) have reached. An
		// entry not yet done is never lost: its execution acks it, or the sweep re-claims it when
		// the lease expires (test/e2e/outbox-fault.e2e.test.ts drives that path to the end).
		await n8n.withLedger(async (ledger) => {
			assert.equal(await ledger.contacts.count('load-normal'), plan.unique);
			const counts = await statusCounts(ledger, 'load-normal');
			const perKind = (kind: string) => Object.entries(counts).filter(([k]) => k.startsWith(`${kind}:`)).reduce((sum, [, n]) => sum + n, 0);
			assert.equal(perKind('esp_sync'), plan.unique, `one Kit entry per contact: ${JSON.stringify(counts)}`);
			assert.equal(perKind('crm_sync'), plan.unique, `one HubSpot entry per contact: ${JSON.stringify(counts)}`);
			assert.equal(counts['esp_sync:dead'] ?? 0, 0);
			assert.equal(counts['crm_sync:dead'] ?? 0, 0);
		});
		// No run that has finished so far failed in one of the pack's nodes. A run n8n itself fails
		// (on SQLite n8n's own database can time out on its locks under this burst) loses nothing —
		// its entries stay claimed until the lease ends and the sweep takes them — so it is reported,
		// not failed on; a failure in a pack node would be ours.
		const packNodes = new Set((NORMAL.nodes as Array<{ name: string; type: string }>).filter((node) => node.type.startsWith('n8n-nodes-waitlist-ledger.')).map((node) => node.name));
		const finished = n8n.executions('wlSignupCapture1').filter((e) => e.status !== 'running' && e.status !== 'new');
		const failed = finished.filter((e) => e.status !== 'success');
		if (failed.length) t.diagnostic(`${failed.length} of ${finished.length} finished runs failed: ${failed.slice(0, 3).map((e) => `${e.status} ${JSON.stringify(e.errors)}`).join('; ')}`);
		const failedInPack = failed.filter((e) => Object.keys(e.errors).some((name) => packNodes.has(name)));
		assert.deepEqual(failedInPack.map((e) => JSON.stringify(e.errors)).slice(0, 5), [], 'no run failed in a pack node');
		const kitEmails = n8n.vendorRequests().filter((r) => r.fake === 'kit' && r.outcome === 'ok').map((r) => (r.body as { email: string }).email);
		assert.equal(new Set(kitEmails).size, kitEmails.length, 'no email sent to Kit twice');
	});
});
