import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { normalizePurchaseEvent, RECONCILED_TAG } from '../../ledger/internal';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const START = 'Start';
const SWEEP = 'Reconcile Sweep';
const FIXES = 0;
const REPORT = 1;
const REVIEW = 2;
/** The node's Compare inputs, in order, and the source node that feeds each in the test workflow. */
const SOURCES = ['Kit subscribers', 'HubSpot contacts', 'Stripe charges', 'Course enrollments'] as const;
type Lists = Partial<Record<(typeof SOURCES)[number], IDataObject[]>>;

/**
 * Manual Trigger → one node per vendor list (its items pinned, as if the vendor node had fetched
 * them) → the list's input of Reconcile Sweep → a No Op on each of its outputs. Lists left out are
 * not wired at all; an empty list is wired but delivers no items.
 */
function sweepWorkflow(parameters: IDataObject, lists: Lists, options: { continueOnFail?: boolean } = {}): WorkflowJson {
	const wired = SOURCES.filter((name) => lists[name] !== undefined);
	const pinData: Record<string, INodeExecutionData[]> = {};
	for (const name of wired) pinData[name] = lists[name]!.map((json) => ({ json }));
	const connections: WorkflowJson['connections'] = {
		[START]: { main: [parameters.operation === 'findDueWork' ? [{ node: SWEEP, type: 'main' as const, index: 0 }] : wired.map((name) => ({ node: name, type: 'main' as const, index: 0 }))] },
		[SWEEP]: { main: ['After Fixes', 'After Report', 'After Review'].map((node) => [{ node, type: 'main' as const, index: 0 }]) },
	};
	for (const name of wired) connections[name] = { main: [[{ node: SWEEP, type: 'main', index: SOURCES.indexOf(name) }]] };
	return {
		name: 'Reconcile Sweep test',
		nodes: [
			{ id: 's0', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			...wired.map((name, i) => ({ id: `l${i}`, name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, i * 120] as [number, number], parameters: {} })),
			{
				id: 's1',
				name: SWEEP,
				type: 'n8n-nodes-waitlist-ledger.reconcileSweep',
				typeVersion: 1,
				position: [440, 0],
				parameters,
				...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
			...['After Fixes', 'After Report', 'After Review'].map((name, i) => ({ id: `o${i}`, name, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [660, i * 120] as [number, number], parameters: {} })),
		],
		connections,
		pinData,
	} as WorkflowJson;
}

/** Manual Trigger → Reconcile Sweep (Find Due Work), the way a Schedule Trigger feeds it. */
function dueWorkflow(parameters: IDataObject, options: { continueOnFail?: boolean } = {}): WorkflowJson {
	return sweepWorkflow({ operation: 'findDueWork', ...parameters }, {}, options);
}

const kit = (id: number, email: string, extra: IDataObject = {}): IDataObject => ({ id, first_name: null, email_address: email, state: 'active', created_at: '2026-11-01T10:00:00Z', fields: {}, ...extra });
const hubspot = (id: string, email: string): IDataObject => ({ id, properties: { email, firstname: null, hs_object_id: id }, archived: false });
const charge = (id: string, paymentIntent: string, email: string): IDataObject => ({ id, object: 'charge', payment_intent: paymentIntent, billing_details: { email }, receipt_email: email, status: 'succeeded', refunded: false });

for (const driver of DRIVERS) {
	describe(`[${driver}] Reconcile Sweep node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		const sweep = (parameters: IDataObject, lists: Lists, options: { continueOnFail?: boolean } = {}) =>
			runWorkflow(sweepWorkflow(parameters, lists, options), { credentials: ledgerCredentialFor(db.config) });
		const due = (parameters: IDataObject, options: { continueOnFail?: boolean } = {}) =>
			runWorkflow(dueWorkflow(parameters, options), { credentials: ledgerCredentialFor(db.config) });

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('compares Kit, HubSpot, Stripe and delivery lists: fixes are claimed for the vendor steps, duplicates and orphan purchases go to Review, healed contacts are tagged', async () => {
			const launch = 'compare';
			await ledger.tags.add({ launch, tag: 'early-bird' });
			await ledger.purchases.defineProduct({ launch, productId: 'course' });
			const id: Record<string, string> = {};
			for (const name of ['ada', 'bob', 'cy', 'dee', 'eve']) id[name] = (await ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
			await ledger.tags.apply({ launch, contactId: id.ada!, tags: ['early-bird'] });
			// Ada paid; her access row then lost its grant (a restored backup, a bad manual edit): paid without access.
			await ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_ada', { email: 'ada@example.com', customer: 'cus_ada', order: 'pi_ada' })));
			await ledger.store.execute(`UPDATE access SET state = 'revoked' WHERE launch = $1 AND contact_id = $2`, [launch, id.ada!]);
			// Bob paid and was refunded, but the course platform still has him enrolled.
			await ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_bob', { email: 'bob@example.com', customer: 'cus_bob', order: 'pi_bob' })));
			await ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_bob_r', { order: 'pi_bob', customer: 'cus_bob' })), { revokeAfterMs: 0 });

			const lists: Lists = {
				// Kit: Ada lacks her tag, Bob twice, Cy/Dee/Eve missing, a stranger, one record without an email.
				'Kit subscribers': [kit(1, 'Ada@Example.com', { tags: [] }), kit(2, 'bob@example.com'), kit(3, 'BOB@example.com'), kit(4, 'stranger@example.com'), kit(5, '')],
				'HubSpot contacts': ['ada', 'bob', 'cy', 'dee', 'eve'].map((n, i) => hubspot(`hs-${i}`, `${n}@example.com`)),
				'Stripe charges': [charge('ch_ada', 'pi_ada', 'ada@example.com'), charge('ch_bob', 'pi_bob', 'bob@example.com'), charge('ch_ghost', 'pi_ghost', 'ghost@example.com')],
				'Course enrollments': [{ email: 'bob@example.com', productId: 'course', id: 'enr-1' }],
			};
			const result = await sweep({ operation: 'compare', launch, batchSize: 2 }, lists);
			assert.equal(result.error(SWEEP), undefined);

			const fixes = result.output(SWEEP, FIXES);
			const fixSummary = fixes.map((f) => `${f.kind}:${(f.contact as IDataObject).email}`).sort();
			assert.deepEqual(fixSummary, ['esp_sync:cy@example.com', 'esp_sync:dee@example.com', 'esp_sync:eve@example.com', 'grant:ada@example.com', 'revoke:bob@example.com', 'tag_sync:ada@example.com']);
			assert.ok(fixes.every((f) => typeof f.claimToken === 'string' && f.status === 'claimed'), 'every fix is claimed, ready for Ack / Fail');
			const tagFix = fixes.find((f) => f.kind === 'tag_sync')!;
			assert.deepEqual((tagFix.payload as IDataObject).add, ['early-bird']);
			assert.equal(tagFix.finding, 'tag_drift');
			assert.equal(fixes.find((f) => f.kind === 'grant')!.finding, 'grant');
			assert.equal((fixes.find((f) => f.kind === 'revoke')!.payload as IDataObject).reason, 'refunded');

			const [report] = result.output(SWEEP, REPORT);
			const systems = report!.systems as Record<string, IDataObject>;
			assert.deepEqual(report!.compared, { esp: 5, crm: 5, checkout: 3, delivery: 1 });
			assert.deepEqual([systems.esp!.missingInVendor, systems.esp!.duplicates, systems.esp!.tagDrift, systems.esp!.invalid, systems.esp!.unknownInLedger], [3, 1, 1, 1, 1]);
			assert.equal(systems.crm!.missingInVendor, 0);
			assert.deepEqual([systems.checkout!.grants, systems.checkout!.review, systems.delivery!.revokes], [1, 1, 1]);
			assert.equal(report!.claimed, 6);

			const review = result.output(SWEEP, REVIEW);
			assert.deepEqual(review.map((r) => `${r.system}:${r.finding}`).sort(), ['checkout:purchase_without_contact', 'esp:duplicate', 'esp:invalid_record']);
			assert.equal(review.find((r) => r.finding === 'purchase_without_contact')!.orderId, 'pi_ghost');
			assert.equal(review.find((r) => r.finding === 'duplicate')!.email, 'bob@example.com');
			assert.ok(result.ran('After Fixes') && result.ran('After Report') && result.ran('After Review'));

			// Healed contacts carry the tag and a reconcile.fix event naming what was fixed.
			for (const name of ['ada', 'bob', 'cy', 'dee', 'eve']) {
				assert.ok((await ledger.tags.ofContact(id[name]!)).some((t) => t.tag === RECONCILED_TAG), `${name} tagged ${RECONCILED_TAG}`);
			}
			const adaFixes = (await ledger.contacts.history(id.ada!)).filter((e) => e.type === 'reconcile.fix').map((e) => (e.data as IDataObject).finding);
			assert.deepEqual(adaFixes.sort(), ['paid_without_access', 'tag_drift']);

			// While those fixes are in a run's hands, the next sweep finds the same differences but hands nothing out twice.
			const again = await sweep({ operation: 'compare', launch }, lists);
			assert.deepEqual(again.output(SWEEP, FIXES), []);
			assert.equal(again.output(SWEEP, REPORT)[0]!.fixes, 0);
		});

		it('batches fixes per kind for vendor batch APIs; without Claim Fixes they only wait in the outbox', async () => {
			const launch = 'batches';
			for (let i = 0; i < 5; i++) await ledger.contacts.upsert({ launch, email: `p${i}@example.com` });
			// A contact added in the very millisecond the run starts counts as "after the lists were
			// fetched" and waits for the next sweep; these signed up before it.
			await new Promise((resolve) => setTimeout(resolve, 5));
			const lists: Lists = { 'HubSpot contacts': [hubspot('hs-x', 'someone-else@example.com')] };
			const unclaimed = await sweep({ operation: 'compare', launch, claimFixes: false }, lists);
			const waiting = unclaimed.output(SWEEP, FIXES);
			assert.equal(waiting.length, 5);
			assert.ok(waiting.every((w) => w.finding === 'missing_in_vendor' && w.system === 'crm' && typeof w.entryId === 'string' && w.claimToken === undefined));
			assert.equal((await ledger.outbox.health(launch)).byStatus.pending, 5);

			// Find Due Work hands the waiting entries out, two per batch item.
			const drained = await due({ launch, kinds: 'crm_sync', outputMode: 'batch', fixBatchSize: 2 });
			const batches = drained.output(SWEEP, FIXES);
			assert.deepEqual(batches.map((b) => [b.kind, b.count]), [['crm_sync', 2], ['crm_sync', 2], ['crm_sync', 1]]);
			const emails = batches.flatMap((b) => (b.entries as IDataObject[]).map((e) => (e.contact as IDataObject).email));
			assert.deepEqual(emails.sort(), ['p0@example.com', 'p1@example.com', 'p2@example.com', 'p3@example.com', 'p4@example.com']);
			assert.equal(drained.output(SWEEP, REPORT)[0]!.claimed, 5);
		});

		it('Find Due Work hands out due retries and expired claims, not future or held entries', async () => {
			const launch = 'due';
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'due@example.com' });
			const enqueue = (key: string, kind: string, availableAt?: number) => ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId, availableAt });
			await enqueue('retry', 'esp_sync');
			await enqueue('expired', 'crm_sync', Date.now() - 700_000);
			await enqueue('later', 'esp_sync', Date.now() + 3_600_000);
			const [retry] = await ledger.outbox.claim({ launch, ids: [(await ledger.outbox.list({ launch }))[0]!.id], limit: 1, leaseMs: 60_000, workerId: 'drain' });
			await ledger.outbox.fail(launch, [{ id: retry!.id, claimToken: retry!.claimToken, error: 'Kit answered 500', retryAfter: 0 }]);
			// A run claimed this ten minutes ago with a one-second lease and never came back.
			await ledger.outbox.claim({ launch, kinds: 'crm_sync', limit: 1, leaseMs: 1000, workerId: 'crashed-run', now: Date.now() - 600_000 });
			await ledger.outbox.pause({ launch, by: 'ops@example.com', reason: 'wrong course mapping' });
			await enqueue('held', 'grant');

			const result = await due({ launch, includeContact: false });
			assert.equal(result.error(SWEEP), undefined);
			const handed = result.output(SWEEP, FIXES);
			assert.deepEqual(handed.map((e) => e.idempotencyKey).sort(), ['expired', 'retry']);
			assert.ok(handed.every((e) => typeof e.claimToken === 'string' && Number(e.attempts) === 2 && e.contact === undefined));
			assert.equal(handed.find((e) => e.idempotencyKey === 'retry')!.lastError, 'Kit answered 500');
			const [report] = result.output(SWEEP, REPORT);
			assert.deepEqual([report!.claimed, report!.retries, report!.expiredLeasesBefore], [2, 2, 1]);
			assert.equal(((report!.outbox as IDataObject).byStatus as IDataObject).held, 1);

			// Handed out once: a second run right after finds nothing.
			assert.deepEqual((await due({ launch })).output(SWEEP, FIXES), []);
		});

		it('compares only the lists that arrived: an unwired or empty input is not taken as "the vendor has nobody"', async () => {
			const launch = 'partial';
			await ledger.contacts.upsert({ launch, email: 'only@example.com' });
			const result = await sweep({ operation: 'compare', launch }, { 'Kit subscribers': [], 'HubSpot contacts': [hubspot('hs-1', 'only@example.com')] });
			assert.equal(result.error(SWEEP), undefined);
			const [report] = result.output(SWEEP, REPORT);
			assert.deepEqual(report!.compared, { crm: 1 });
			assert.deepEqual(report!.notCompared, ['Email Platform (ESP)', 'Checkout Orders', 'Delivery Enrollments']);
			assert.deepEqual(result.output(SWEEP, FIXES), []);
			assert.equal((await ledger.outbox.health(launch)).byStatus.pending, 0);
		});

		it('Lists Fetched At: a contact synced after the lists were fetched is not re-sent; empty means the execution\'s start', async () => {
			const launch = 'listed-at';
			const id: Record<string, string> = {};
			for (const name of ['early', 'late']) id[name] = (await ledger.contacts.upsert({ launch, email: `${name}@example.com` })).contactId;
			const deliver = async (contactId: string) => {
				const entry = await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: `capture:${contactId}`, contactId });
				const claimed = await ledger.outbox.claim({ launch, ids: [entry.id], limit: 1, leaseMs: 60_000, workerId: 'drain' });
				await ledger.outbox.ack(launch, claimed.map((c) => ({ id: c.id, claimToken: c.claimToken })));
			};
			const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
			await deliver(id.early!);
			await tick();
			const fetchedAt = new Date().toISOString();
			await tick();
			await deliver(id.late!); // acked while the (empty of both) Kit list was being paged
			const lists: Lists = { 'Kit subscribers': [kit(1, 'someone-else@example.com')] };

			const result = await sweep({ operation: 'compare', launch, listsFetchedAt: fetchedAt }, lists);
			assert.equal(result.error(SWEEP), undefined);
			assert.deepEqual(result.output(SWEEP, FIXES).map((f) => (f.contact as IDataObject).email), ['early@example.com']);
			const [report] = result.output(SWEEP, REPORT);
			assert.deepEqual(report!.listsFetchedAt, { esp: fetchedAt });
			assert.deepEqual([(report!.systems as Record<string, IDataObject>).esp!.missingInVendor, (report!.systems as Record<string, IDataObject>).esp!.changedSinceListed], [1, 1]);
			assert.ok(!(await ledger.tags.ofContact(id.late!)).some((t) => t.tag === RECONCILED_TAG), 'late is not tagged reconciled-after-failure');

			// Left empty: the lists count as fetched when this execution started — after both acks.
			await tick();
			const before = Date.now();
			const byDefault = await sweep({ operation: 'compare', launch }, lists);
			const after = Date.now();
			assert.equal(byDefault.error(SWEEP), undefined);
			const defaultAt = Date.parse(String((byDefault.output(SWEEP, REPORT)[0]!.listsFetchedAt as IDataObject).esp));
			assert.ok(defaultAt >= before && defaultAt <= after, `${new Date(defaultAt).toISOString()} lies within the execution`);
			assert.deepEqual(byDefault.output(SWEEP, FIXES).map((f) => (f.contact as IDataObject).email), ['late@example.com'], 'delivered before this execution and still absent: re-sent');

			// The race itself, in one execution: the drain acks a sync after the execution started and
			// before the list reaches the sweep. Left empty, the parameter still keeps that contact out.
			const racer = (await ledger.contacts.upsert({ launch, email: 'racer@example.com' })).contactId;
			const racerEntry = await ledger.outbox.enqueue({ launch, kind: 'esp_sync', idempotencyKey: `capture:${racer}`, contactId: racer });
			const [claimedRacer] = await ledger.outbox.claim({ launch, ids: [racerEntry.id], limit: 1, leaseMs: 60_000, workerId: 'drain' });
			await tick();
			const raceWorkflow = sweepWorkflow({ operation: 'compare', launch }, lists);
			raceWorkflow.nodes.push({ id: 'a1', name: 'Drain acks', type: 'n8n-nodes-waitlist-ledger.accessOutbox', typeVersion: 1, position: [110, 0], parameters: { operation: 'ack', launch } });
			raceWorkflow.connections[START] = { main: [[{ node: 'Drain acks', type: 'main', index: 0 }]] };
			raceWorkflow.connections['Drain acks'] = { main: [[{ node: 'Kit subscribers', type: 'main', index: 0 }]] };
			const race = await runWorkflow(raceWorkflow, { trigger: { node: START, items: [{ json: { id: claimedRacer!.id, claimToken: claimedRacer!.claimToken } }] }, credentials: ledgerCredentialFor(db.config) });
			assert.equal(race.error(SWEEP), undefined);
			assert.equal((await ledger.outbox.get(racerEntry.id))?.status, 'done', 'acked inside the execution');
			assert.deepEqual(race.output(SWEEP, FIXES), [], 'racer was delivered after the execution started: not re-sent');
			assert.equal(((race.output(SWEEP, REPORT)[0]!.systems as Record<string, IDataObject>).esp!.changedSinceListed as number) >= 1, true);
			assert.ok(!(await ledger.tags.ofContact(racer)).some((t) => t.tag === RECONCILED_TAG), 'racer is not tagged reconciled-after-failure');

			const bad = await sweep({ operation: 'compare', launch, listsFetchedAt: 'last night' }, lists);
			assert.match(bad.error(SWEEP)!.message, /^Lists Fetched At: "last night" is not a date and time/);
			assert.match(bad.error(SWEEP)!.description ?? '', /Fix the "Lists Fetched At" parameter/);
		});

		it('refuses a list it cannot read, naming the field to set, and sweeps nothing', async () => {
			const launch = 'bad-compare';
			await ledger.contacts.upsert({ launch, email: 'kept@example.com' });
			const wrongList: Lists = { 'Kit subscribers': [{ name: 'Ada', mail: 'ada@example.com' }, { name: 'Bob', mail: 'bob@example.com' }] };
			const failed = await sweep({ operation: 'compare', launch }, wrongList);
			assert.match(failed.error(SWEEP)!.message, /^Email Platform Fields: none of the first 2 items on the Email Platform \(ESP\) input has a value at any of email_address/);
			assert.match(failed.error(SWEEP)!.message, /the first item has: name, mail/);
			assert.match(failed.error(SWEEP)!.description ?? '', /Fix the "Email Platform Fields" parameter/);
			assert.equal((await ledger.outbox.health(launch)).byStatus.pending, 0, 'nothing was enqueued');

			// The field named: the same list is read.
			const fixed = await sweep({ operation: 'compare', launch, espFields: { email: 'mail' } }, wrongList);
			assert.equal(fixed.error(SWEEP), undefined);
			assert.deepEqual(fixed.output(SWEEP, FIXES).map((f) => (f.contact as IDataObject).email), ['kept@example.com']);

			const badPath = await sweep({ operation: 'compare', launch, crmFields: { email: 'properties.mail' } }, { 'HubSpot contacts': [hubspot('hs-1', 'kept@example.com')] });
			assert.match(badPath.error(SWEEP)!.message, /^CRM Fields: none of the first 1 items on the CRM input has a value at "properties.mail"/);

			const orders = await sweep({ operation: 'compare', launch }, { 'Stripe charges': [{ amount: 100 }] }, { continueOnFail: true });
			const [report] = orders.output(SWEEP, REPORT);
			assert.match(String(report!.error), /^Checkout Fields: .*Order ID Field/);
			assert.equal(report!.field, 'checkoutFields');
			assert.deepEqual(orders.output(SWEEP, FIXES), []);
		});

		it('Find Due Work: a bad lease or an empty launch names the parameter', async () => {
			const lease = await due({ launch: 'due-bad', leaseSeconds: 0.1 });
			assert.match(lease.error(SWEEP)!.message, /^Lease \(Seconds\): must be from 1 to 86400 seconds; got 0.1/);
			const noLaunch = await due({ launch: '   ' }, { continueOnFail: true });
			assert.match(String(noLaunch.output(SWEEP, REPORT)[0]!.error), /^Launch: is empty/);
		});
	});
}
