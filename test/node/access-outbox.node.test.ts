import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { HOLDING_TAG } from '../../ledger/internal';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const START = 'Start';
const OUTBOX = 'Access Outbox';

/** Manual Trigger → Access Outbox, as the editor would save it. */
function outboxWorkflow(parameters: IDataObject, options: { continueOnFail?: boolean } = {}): WorkflowJson {
	return {
		name: 'Access Outbox test',
		nodes: [
			{ id: 'o1', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'o2',
				name: OUTBOX,
				type: 'n8n-nodes-waitlist-ledger.accessOutbox',
				typeVersion: 1,
				position: [220, 0],
				parameters,
				...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
			},
		],
		connections: { [START]: { main: [[{ node: OUTBOX, type: 'main', index: 0 }]] } },
	} as WorkflowJson;
}

const asItems = (...jsons: IDataObject[]): INodeExecutionData[] => jsons.map((json) => ({ json }));

for (const driver of DRIVERS) {
	describe(`[${driver}] Access Outbox node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		const run = (parameters: IDataObject, input: IDataObject[] = [{}], options: { continueOnFail?: boolean } = {}) =>
			runWorkflow(outboxWorkflow(parameters, options), { trigger: { node: START, items: asItems(...input) }, credentials: ledgerCredentialFor(db.config) });

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('enqueues per item (idempotent), claims a batch, acks it with the vendor id', async () => {
			const launch = 'drain';
			const enqueue = {
				operation: 'enqueue',
				launch,
				kind: 'esp_sync',
				idempotencyKey: '={{ "esp:" + $json.email }}',
				payload: '={{ JSON.stringify({ email: $json.email }) }}',
			};
			const first = await run(enqueue, [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }]);
			assert.deepEqual(first.output(OUTBOX).map((o) => o.created), [true, true, true]);
			const again = await run(enqueue, [{ email: 'a@example.com' }]);
			assert.equal(again.output(OUTBOX)[0]?.created, false);
			assert.equal(again.output(OUTBOX)[0]?.id, first.output(OUTBOX)[0]?.id);

			const claimed = await run({ operation: 'claim', launch, batchSize: 2, leaseSeconds: 120 });
			const entries = claimed.output(OUTBOX);
			assert.deepEqual(entries.map((e) => (e.payload as IDataObject).email), ['a@example.com', 'b@example.com']);
			assert.ok(entries.every((e) => typeof e.claimToken === 'string'));

			// Ack reads id and claimToken from each item by default.
			const acked = await run({ operation: 'ack', launch, responseId: '={{ "kit-" + $json.payload.email }}' }, entries);
			assert.deepEqual(acked.output(OUTBOX).map((o) => o.outcome), ['done', 'done']);
			assert.equal((await ledger.outbox.get(entries[0]!.id as string))?.responseId, 'kit-a@example.com');

			const batch = await run({ operation: 'claim', launch, batchSize: 10, outputMode: 'batch' });
			assert.equal(batch.output(OUTBOX).length, 1);
			assert.equal(batch.output(OUTBOX)[0]?.count, 1);
			const rest = batch.output(OUTBOX)[0]?.entries as IDataObject[];
			const failed = await run({ operation: 'fail', launch, error: '={{ "HTTP 429" }}', retryAfter: '30' }, rest);
			assert.equal(failed.output(OUTBOX)[0]?.outcome, 'retry');
			const entry = await ledger.outbox.get(rest[0]!.id as string);
			assert.equal(entry?.status, 'failed');
			assert.equal(entry?.lastError, 'HTTP 429');
			assert.ok(entry!.nextAttemptAt >= Date.now() + 25_000, 'Retry-After of 30 s honoured');

			const status = await run({ operation: 'status', launch });
			assert.deepEqual(status.output(OUTBOX)[0]?.byStatus, { pending: 0, claimed: 0, failed: 1, done: 2, dead: 0, held: 0, discarded: 0, waiting: 0, flagged: 0, unconfirmed: 0 });
		});

		it('ack with continue-on-fail: a bad item becomes an error item, the others are settled, pairedItem kept', async () => {
			const launch = 'paired';
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'p1' });
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'p2' });
			const claimed = await ledger.outbox.claim({ launch, limit: 2, leaseMs: 60_000, workerId: 'test' });
			const input = [
				{ id: claimed[0]!.id, claimToken: claimed[0]!.claimToken },
				{ id: claimed[1]!.id, claimToken: '' },
			];
			const result = await run({ operation: 'ack', launch }, input, { continueOnFail: true });
			const out = result.output(OUTBOX);
			assert.equal(out[0]?.outcome, 'done');
			assert.match(String(out[1]?.error), /^Claim Token: is required/);
			const items = result.run.data.resultData.runData[OUTBOX]![0]!.data!.main[0]!;
			assert.deepEqual(items.map((i) => i.pairedItem), [{ item: 0 }, { item: 1 }]);
		});

		it('ack with Referral Fields Sent (the signup template\'s Kit step): recorded, so the drain sends no second write; bad fields name the option', async () => {
			const launch = 'fields-sent';
			const signup = async (email: string) => {
				const result = await ledger.capture.submit({
					launch,
					options: { abuse: { networkLimit: 0, patternLimit: 0 } },
					claimFor: { workerId: 'node-test', leaseMs: 60_000 },
					request: { body: { ok: true, contentType: 'application/json', fields: { email }, raw: JSON.stringify({ email }) }, remoteAddress: '203.0.113.7', userAgent: 'node-test' },
				});
				assert.equal(result.accepted, true);
				const esp = (result as Extract<typeof result, { accepted: true }>).result.claimedSync.find((c) => c.kind === 'esp_sync')!;
				return { id: esp.id, claimToken: esp.claimToken, referralFields: esp.referralFields as unknown as IDataObject };
			};
			const ada = await signup('ada@example.com');
			const bad = await run({ operation: 'ack', launch, ackOptions: { referralFieldsSent: '={{ { code: $json.referralFields.code, placeInLine: 0, referralCount: 0 } }}' } }, [ada], { continueOnFail: true });
			assert.match(String(bad.output(OUTBOX)[0]?.error), /referralFieldsSent\.placeInLine: must be a whole number from 1/);
			// The expression hands the node an object; typed by hand it is JSON text: both are read.
			const acked = await run({ operation: 'ack', launch, ackOptions: { referralFieldsSent: '={{ $json.referralFields }}' } }, [ada]);
			assert.equal(acked.output(OUTBOX)[0]?.outcome, 'done');
			const bob = await signup('bob@example.com');
			const ackedText = await run({ operation: 'ack', launch, ackOptions: { referralFieldsSent: JSON.stringify(bob.referralFields) } }, [bob]);
			assert.equal(ackedText.output(OUTBOX)[0]?.outcome, 'done');
			const cy = await signup('cy@example.com');
			await run({ operation: 'ack', launch }, [cy]);
			// The drain: only Cy, whose step did not say it sent the fields, gets a field update.
			const drained = await ledger.outbox.claim({ launch, kinds: 'esp_sync', limit: 100, leaseMs: 60_000, workerId: 'drain' });
			assert.deepEqual(drained.map((e) => e.contactId), [(await ledger.contacts.find({ launch, kind: 'email', value: 'cy@example.com' }))?.id]);
		});

		it('pause holds grants and tags the contact; list held, release one, discard one, resume', async () => {
			const launch = 'kill';
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'buyer@example.com' });
			const paused = await run({ operation: 'pause', launch, scope: 'grants', by: 'ops@example.com', reason: 'checkout misconfigured' });
			assert.equal(paused.output(OUTBOX)[0]?.paused, true);
			const grants = await run({ operation: 'enqueue', launch, kind: 'grant', idempotencyKey: '={{ $json.key }}', contactId: '={{ $json.contactId }}' }, [
				{ key: 'g1', contactId },
				{ key: 'g2', contactId },
				{ key: 'g3', contactId },
			]);
			assert.deepEqual(grants.output(OUTBOX).map((g) => g.status), ['held', 'held', 'held']);
			assert.ok((await ledger.contacts.get(contactId))?.tags.includes(HOLDING_TAG));
			assert.equal((await run({ operation: 'claim', launch })).output(OUTBOX).length, 0, 'nothing leaves during the pause');

			const held = (await run({ operation: 'listHeld', launch })).output(OUTBOX);
			assert.deepEqual(held.map((h) => h.idempotencyKey), ['g1', 'g2', 'g3']);
			await run({ operation: 'releaseHeld', launch, by: 'ops', reason: 'verified' }, [held[0]!]);
			await run({ operation: 'discardHeld', launch, by: 'ops', reason: 'test order' }, [held[1]!]);
			const during = (await run({ operation: 'claim', launch })).output(OUTBOX);
			assert.deepEqual(during.map((d) => d.idempotencyKey), ['g1'], 'the released grant passes the switch');

			const resumed = await run({ operation: 'resume', launch, by: 'ops@example.com', reason: 'fixed' });
			assert.equal(resumed.output(OUTBOX)[0]?.released, 1);
			const after = (await run({ operation: 'claim', launch })).output(OUTBOX);
			assert.deepEqual(after.map((d) => d.idempotencyKey), ['g3']);
			assert.ok(!(await ledger.contacts.get(contactId))?.tags.includes(HOLDING_TAG));
		});

		it('claim can add each entry\'s contact for the vendor step; fail takes the first retry delay from its options', async () => {
			const launch = 'contact-and-backoff';
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'Grace@Example.com', fields: { first_name: 'Grace' }, attribution: { utm_source: 'podcast' } });
			await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'crm:grace', contactId });
			const claimed = await run({ operation: 'claim', launch, includeContact: true });
			const contact = claimed.output(OUTBOX)[0]?.contact as IDataObject;
			assert.deepEqual([contact.email, contact.firstName, (contact.lastTouch as IDataObject).utm_source], ['Grace@Example.com', 'Grace', 'podcast'], 'the address as the person typed it');
			const before = Date.now();
			const failed = await run({ operation: 'fail', launch, error: 'HubSpot answered 502', retryOptions: { baseDelaySeconds: 2 } }, claimed.output(OUTBOX));
			const [result] = failed.output(OUTBOX);
			assert.equal(result?.outcome, 'retry');
			// Equal jitter: between half and all of the first delay (2 s) after the failure.
			const delay = Number(result?.nextAttemptAt) - before;
			assert.ok(delay >= 1000 && delay <= 2000 + (Date.now() - before), `first retry after ${delay} ms`);
		});

		it('lists the dead letter and requeues it', async () => {
			const launch = 'dead';
			const { id } = await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'd1', maxAttempts: 1 });
			const [claimed] = await ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'test' });
			await ledger.outbox.fail(launch, [{ id, claimToken: claimed!.claimToken, error: 'delivery down' }]);
			const dead = (await run({ operation: 'listDead', launch })).output(OUTBOX);
			assert.deepEqual(dead.map((d) => [d.id, d.lastError]), [[id, 'delivery down']]);
			const requeued = await run({ operation: 'requeueDead', launch, entryIds: '={{ $json.id }}' }, dead);
			assert.deepEqual(requeued.output(OUTBOX)[0]?.requeued, [id]);
			assert.equal((await ledger.outbox.get(id))?.status, 'pending');
		});

		// One bad input per operation; each names the parameter to fix. Empty required values come from
		// an expression: an empty literal is already refused by n8n before the node runs.
		const badInputs: [string, IDataObject, IDataObject, RegExp][] = [
			['enqueue', { idempotencyKey: '={{ $json.key }}' }, { key: ' ' }, /^Idempotency Key: is required/],
			['enqueue', { idempotencyKey: 'x', payload: '{nope' }, {}, /^Payload: is not valid JSON/],
			['claim', { batchSize: 0 }, {}, /^Batch Size: must be a whole number from 1 to 1000/],
			['ack', {}, { id: 'some-id' }, /^Claim Token: is required/],
			['fail', { retryAfter: 'soon' }, { id: 'x', claimToken: 'y' }, /^Retry After: must be seconds or an HTTP date/],
			['release', { delaySeconds: -5 }, { id: 'x', claimToken: 'y' }, /^Delay \(Seconds\): must be 0 or more/],
			['pause', { by: 'ops', reason: '={{ $json.why }}' }, {}, /^Reason: is required/],
			['resume', { by: '={{ $json.who }}', reason: 'x' }, {}, /^By: is required/],
			['releaseHeld', { entryIds: 'no-such-entry', by: 'ops', reason: 'x' }, {}, /^Entry IDs: no held entry "no-such-entry"/],
			['discardHeld', { entryIds: '={{ $json.ids }}', by: 'ops', reason: 'x' }, { ids: '' }, /^Entry IDs: name at least one held entry/],
			['listHeld', { limit: 0 }, {}, /^Limit: must be a whole number from 1 to 1000/],
			['listDead', { limit: 5000 }, {}, /^Limit: must be a whole number from 1 to 1000/],
			['requeueDead', { entryIds: 'no-such-entry' }, {}, /^Entry IDs: no dead entry "no-such-entry"/],
		];
		for (const [operation, parameters, input, message] of badInputs) {
			it(`${operation}: bad input stops the node with an error naming the parameter`, async () => {
				const result = await run({ operation, launch: 'bad', ...parameters }, [input]);
				assert.match(result.error(OUTBOX)?.message ?? '(no error)', message);
			});
		}

		// Like every other action node: an empty Launch (an expression reading a missing field) is an
		// error naming it, never a quiet "default" that would act on another launch's outbox.
		for (const operation of ['status', 'enqueue', 'claim']) {
			it(`${operation}: an empty Launch stops the node naming "Launch" and what to enter`, async () => {
				const result = await run({ operation, launch: '={{ $json.launch }}', kind: 'grant', idempotencyKey: 'k' }, [{ launch: '' }]);
				assert.match(result.error(OUTBOX)?.message ?? '(no error)', /^Launch: is empty; enter the launch's name, e\.g\. "default"/);
				assert.match(result.error(OUTBOX)?.description ?? '', /Fix the "Launch" parameter/);
			});
		}
	});
}
