import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { testLaunchLeftovers } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/*
 * Issue 16, steps 2 and 5 in the ledger: which registry tags the email platform must know, and the
 * monitoring drill — a simulated launch on the run's test launch, judged under the real launch's
 * alert settings, must fire the signups-dropped and the unmatched-purchases alerts; the real launch
 * keeps no trace of it and Clean Up removes it whole. And Clean Up's first part: a test buyer's
 * access taken back through the outbox, once however often it is asked.
 */

for (const driver of DRIVERS) {
	describe(`[${driver}] checklist steps 2 and 5 and the test buyers' revokes`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('tag vocabulary: segments and behaviours must be known by name (case aside); ephemeral patterns are not listed', async () => {
			const launch = 'tags';
			await t.ledger.tags.add({ launch, tag: 'early-bird', kind: 'segment' });
			await t.ledger.tags.add({ launch, tag: 'customer', kind: 'behaviour' });
			await t.ledger.tags.add({ launch, tag: 'webinar-attendee', kind: 'behaviour' });
			await t.ledger.tags.add({ launch, tag: 'source-*', kind: 'ephemeral' });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const check = await t.ledger.checklist.tagVocabulary(run.id, ['Customer', 'early bird', 'newsletter', ' ']);
			assert.deepEqual(check.tags, [
				{ tag: 'customer', kind: 'behaviour', vendorName: 'Customer' },
				{ tag: 'early-bird', kind: 'segment', vendorName: null },
				{ tag: 'webinar-attendee', kind: 'behaviour', vendorName: null },
			]);
			assert.deepEqual(check.unknown, ['early-bird', 'webinar-attendee'], '"early bird" is another tag than "early-bird" for the drain');
			assert.deepEqual((await t.ledger.checklist.tagVocabulary(run.id, ['customer', 'EARLY-BIRD', 'webinar-attendee'])).unknown, []);
		});

		it('monitoring drill: the real launch\'s thresholds on a simulated launch fire both alerts; a second attempt fires them again; the real launch is untouched', async () => {
			const launch = 'monitored';
			await t.ledger.settings.update(launch, { alerts: { windowSeconds: 600, ingestionDrop: { baselineWindows: 3, minBaselineSignups: 12 }, reconciliation: { minPurchases: 4 } } });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const now = Date.UTC(2026, 11, 5, 12, 3, 0);
			const first = await t.ledger.checklist.monitoringDrill(run.id, now);
			assert.deepEqual(first.problems, []);
			assert.deepEqual(first.fired.map((f) => [f.rule, f.kind, f.launch]), [
				['ingestion_drop', 'fired', run.testLaunch],
				['reconciliation_low', 'fired', run.testLaunch],
			]);
			const evidence = first.evidence as { windowSeconds: number; simulated: Record<string, number>; evaluations: Array<{ signups: number; fired: string[] }> };
			assert.equal(evidence.windowSeconds, 600, 'the real launch\'s window');
			assert.deepEqual(evidence.simulated, { baselineWindows: 3, signupsPerBaselineWindow: 12, signupsInLastWindow: 0, unmatchedPurchasesInLastWindow: 4 });
			assert.deepEqual(evidence.evaluations.map((e) => e.signups), [12, 12, 12, 0]);
			assert.match(first.fired[0]!.summary, /^0 signups in the last .*100 % below the baseline of 12/);
			assert.match(first.fired[1]!.summary, /^0 of 4 purchases/);

			const again = await t.ledger.checklist.monitoringDrill(run.id, now + 60_000);
			assert.deepEqual(again.fired.map((f) => f.rule), ['ingestion_drop', 'reconciliation_low'], 'a second attempt starts from a fresh history');
			assert.equal(await t.ledger.contacts.count(launch), 0);
			assert.deepEqual(await t.ledger.monitor.history({ launch, now }), []);
			assert.equal((await t.ledger.monitor.firing(launch, now)).length, 0, 'no alert of the real launch fires');
			assert.equal((await t.ledger.settings.get(launch)).alerts.liveAt, null, 'the real launch\'s settings are as they were');

			const other = await t.ledger.checklist.start({ launch, mode: 'dry' });
			assert.deepEqual((await t.ledger.checklist.monitoringDrill(other.id, now)).fired.map((f) => f.rule), ['ingestion_drop', 'reconciliation_low'], 'another run drills beside it');

			const cleaned = await t.ledger.checklist.cleanUpLedger(run.id);
			assert.deepEqual(cleaned.leftovers, {});
			assert.ok((cleaned.deleted.monitor_snapshots ?? 0) >= 4 && (cleaned.deleted.purchases ?? 0) === 4 && (cleaned.deleted.contacts ?? 0) === 36, JSON.stringify(cleaned.deleted));
			assert.deepEqual(await testLaunchLeftovers(t.ledger.store, run.testLaunch), {});
		});

		it('monitoring drill: a rule switched off on the real launch is a problem with the setting to turn on', async () => {
			const launch = 'muted-rules';
			await t.ledger.settings.update(launch, { alerts: { ingestionDrop: { enabled: false } } });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const result = await t.ledger.checklist.monitoringDrill(run.id);
			assert.deepEqual(result.fired.map((f) => f.rule), ['reconciliation_low']);
			assert.deepEqual(result.problems.map((p) => p.rule), ['ingestion_drop']);
			assert.match(result.problems[0]!.fix, /^The "signups dropped" alert is switched off for launch "muted-rules".*settings\.alerts\.ingestionDrop\.enabled/);
		});

		it('test buyers lose their access through one revoke in the outbox; asking again queues none; a buyer never granted needs none', async () => {
			const launch = 'revokes';
			await t.ledger.purchases.defineProduct({ launch, productId: 'course', amount: 100, currency: 'USD' });
			const run = await t.ledger.checklist.start({ launch, mode: 'dry' });
			const email = `ada+${run.id}-buyer@example.com`;
			const { contactId } = await t.ledger.contacts.upsert({ launch, email, isTest: true });
			const paid = await t.ledger.purchases.apply(launch, { provider: 'generic', eventId: 'ev-1', type: 'captured', providerType: 'test', orderId: 'o-1', productId: 'course', amount: 100, currency: 'USD', email, customerId: null, checkoutToken: null, occurredAt: null });
			assert.equal(paid.decision, 'grant');
			await t.ledger.checklist.noteRecord({ runId: run.id, system: 'delivery', kind: 'grant', recordId: email, label: 'access to course' });
			await t.ledger.checklist.noteRecord({ runId: run.id, system: 'delivery', kind: 'grant', recordId: 'never-bought@example.com', label: 'access to course' });

			const first = await t.ledger.checklist.revokeTestAccess(run.id);
			assert.deepEqual(first.map((b) => [b.email, b.contactId, b.revokedNow, b.revokes.map((r) => r.status)]), [[email, contactId, ['course'], ['pending']]]);
			assert.equal((await t.ledger.purchases.access({ launch, contactId, productId: 'course' }))?.state, 'revoked');
			const again = await t.ledger.checklist.revokeTestAccess(run.id);
			assert.deepEqual(again.map((b) => [b.revokedNow, b.revokes.length]), [[[], 1]], 'no second revoke');
		});
	});
}
