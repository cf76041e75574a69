/**
 * Outbox drain throughput on one real n8n, in one run: a workflow that claims 100 pending esp_sync
 * entries per execution and sends them to HubSpot in one batch upsert, against the same workflow
 * claiming 1 entry per execution (one HubSpot call each). Entries/s for each and their ratio.
 *
 *   npm run bench -- outbox-drain [--entries=2000] [--single-entries=400] [--slices=4] [--concurrency=1]
 *
 * Both workflows are the same graph — Webhook → Access Outbox: Claim Batch (Output: One Item with All
 * Entries) → HTTP Request POST /crm/v3/objects/contacts/batch/upsert → Edit Fields (the claimed
 * entries) → Split Out → Access Outbox: Ack — and differ only in Batch Size (100 vs 1); the bench
 * defines them itself, so it does not depend on the template in workflows/. Each execution is
 * started by a POST to its webhook (responding when the execution has finished), `--concurrency`
 * at a time. The entries sit in the embedded SQLite ledger n8n's nodes use, seeded before the run
 * (setup, not measured); each side has its own launch. HubSpot is the in-process vendor fake
 * (test/support/vendor-fakes.cjs), answering at once: the figures are n8n + ledger cost, not a
 * vendor's latency (which batching would save even more of).
 *
 * The one-per-execution side drains fewer entries by default (--single-entries) because n8n runs
 * about 10–20 executions/s on this machine; rates are per entry, so the ratio is unaffected. The two
 * sides run interleaved in slices so both see the same load from whatever else the machine does.
 */
import { Ledger, openStore } from '../ledger';
import { countOutboxEntries } from '../ledger/internal';
import { startE2eN8n, type E2eN8n } from '../test/support/n8n-e2e';
import { arg } from './support';

const ENTRIES = Number(arg('entries', '2000'));
const SINGLE_ENTRIES = Number(arg('single-entries', '400'));
const SLICES = Number(arg('slices', '4'));
const CONCURRENCY = Number(arg('concurrency', '1'));

interface Side {
	name: string;
	workflowId: string;
	path: string;
	launch: string;
	batchSize: number;
	entries: number;
	seconds: number;
	executions: number;
}

/** The drain workflow: claim `batchSize` esp_sync entries, one HubSpot batch upsert, ack each entry. */
function drainWorkflow(side: Side, index: number) {
	const uuid = (n: number) => `d${index}000000-0000-4000-8000-00000000000${n}`;
	return {
		id: side.workflowId,
		name: `Bench: drain ${side.batchSize} per execution`,
		nodes: [
			{ parameters: { httpMethod: 'POST', path: side.path, responseMode: 'lastNode', options: {} }, id: uuid(1), name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: `d${index}000000-0000-4000-8000-0000000000aa` },
			{
				parameters: { operation: 'claim', launch: side.launch, kinds: 'esp_sync', batchSize: side.batchSize, leaseSeconds: 300, outputMode: 'batch' },
				id: uuid(2),
				name: 'Claim Batch',
				type: 'n8n-nodes-waitlist-ledger.accessOutbox',
				typeVersion: 1,
				position: [220, 0],
			},
			{
				parameters: {
					method: 'POST',
					url: 'https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert',
					sendHeaders: true,
					headerParameters: { parameters: [{ name: 'Authorization', value: 'Bearer bench-token' }] },
					sendBody: true,
					specifyBody: 'json',
					jsonBody: '={{ JSON.stringify({ inputs: $json.entries.map(e => ({ idProperty: "email", id: e.payload.email, properties: { email: e.payload.email, firstname: e.payload.firstName } })) }) }}',
					options: {},
				},
				id: uuid(3),
				name: 'HubSpot: batch upsert',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [440, 0],
			},
			{
				parameters: { assignments: { assignments: [{ id: uuid(7), name: 'entries', value: "={{ $('Claim Batch').first().json.entries }}", type: 'array' }] }, options: {} },
				id: uuid(4),
				name: 'Claimed entries',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [660, 0],
			},
			{ parameters: { fieldToSplitOut: 'entries', options: {} }, id: uuid(5), name: 'One item per entry', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [880, 0] },
			{
				parameters: { operation: 'ack', launch: side.launch, entryId: '={{ $json.id }}', claimToken: '={{ $json.claimToken }}', responseId: '' },
				id: uuid(6),
				name: 'Ack',
				type: 'n8n-nodes-waitlist-ledger.accessOutbox',
				typeVersion: 1,
				position: [1100, 0],
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Claim Batch', type: 'main', index: 0 }]] },
			'Claim Batch': { main: [[{ node: 'HubSpot: batch upsert', type: 'main', index: 0 }]] },
			'HubSpot: batch upsert': { main: [[{ node: 'Claimed entries', type: 'main', index: 0 }]] },
			'Claimed entries': { main: [[{ node: 'One item per entry', type: 'main', index: 0 }]] },
			'One item per entry': { main: [[{ node: 'Ack', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

async function doneCount(ledger: Ledger, launch: string): Promise<number> {
	return countOutboxEntries(ledger.store, launch, 'done');
}

/** Runs executions of the side's workflow until `target` of its entries are done; returns executions run. */
async function drainUntil(n8n: E2eN8n, ledger: Ledger, side: Side, target: number): Promise<number> {
	let executions = 0;
	let done = await doneCount(ledger, side.launch);
	while (done < target) {
		// Never start more executions than there are entries left to claim for this slice.
		const parallel = Math.max(1, Math.min(CONCURRENCY, Math.ceil((target - done) / side.batchSize)));
		const responses = await Promise.all(Array.from({ length: parallel }, () => n8n.post(side.path, {})));
		for (const res of responses) {
			await res.arrayBuffer();
			if (res.status !== 200) throw new Error(`${side.name}: the drain execution answered ${res.status}`);
		}
		executions += parallel;
		const now = await doneCount(ledger, side.launch);
		if (now === done) throw new Error(`${side.name}: an execution drained nothing (${done} of ${target} done); see ${n8n.userFolder}/n8n.log`);
		done = now;
	}
	return executions;
}

async function main(): Promise<void> {
	const sides: Side[] = [
		{ name: 'claim 100 / execution, 1 batch call', workflowId: 'wlBenchDrain0100', path: 'bench-drain-100', launch: 'drain-batch', batchSize: 100, entries: ENTRIES, seconds: 0, executions: 0 },
		{ name: 'claim 1 / execution, 1 call', workflowId: 'wlBenchDrain0001', path: 'bench-drain-1', launch: 'drain-single', batchSize: 1, entries: SINGLE_ENTRIES, seconds: 0, executions: 0 },
	];
	const n8n = await startE2eN8n({ workflows: sides.map(drainWorkflow), vendorFakes: {} });
	// The same file n8n's nodes open (no credential selected: the embedded default); opening it here
	// first also creates and migrates it.
	const ledger = new Ledger(await openStore({ driver: 'sqlite', path: n8n.ledgerPath }));
	try {
		for (const side of sides) {
			// Warm-up entries (not counted): the first executions load node code and prepare statements.
			const warm = side.batchSize * 2;
			for (let start = 0; start < side.entries + warm; start += 1000) {
				const count = Math.min(1000, side.entries + warm - start);
				await ledger.outbox.enqueueMany(
					Array.from({ length: count }, (_, k) => {
						const i = start + k;
						return { launch: side.launch, kind: 'esp_sync', idempotencyKey: `drain:${i}`, payload: { email: `${side.launch}.${i}@example.com`, firstName: `User ${i}` } };
					}),
				);
			}
			await drainUntil(n8n, ledger, side, warm);
		}
		for (let slice = 0; slice < SLICES; slice++) {
			for (const side of sides) {
				const warm = side.batchSize * 2;
				const target = warm + Math.round((side.entries * (slice + 1)) / SLICES);
				const started = performance.now();
				side.executions += await drainUntil(n8n, ledger, side, target);
				side.seconds += (performance.now() - started) / 1000;
			}
		}
		// Every entry reached HubSpot once: the fake saw each email, and no entry is left open.
		const emailsSent = n8n.vendorRequests().flatMap((r) => ((r.body as { inputs?: Array<{ id: string }> })?.inputs ?? []).map((i) => i.id));
		for (const side of sides) {
			const expected = side.entries + side.batchSize * 2;
			if ((await doneCount(ledger, side.launch)) !== expected) throw new Error(`${side.name}: ${await doneCount(ledger, side.launch)} of ${expected} entries done`);
		}
		const total = sides.reduce((sum, s) => sum + s.entries + s.batchSize * 2, 0);
		if (emailsSent.length !== total || new Set(emailsSent).size !== total) {
			throw new Error(`HubSpot received ${emailsSent.length} contacts (${new Set(emailsSent).size} distinct), expected ${total}, each once`);
		}

		console.log(`n8n ${n8n.runtime.dir.split('n8n-').pop()}, embedded SQLite ledger, HubSpot faked in-process, ${SLICES} interleaved slices, concurrency ${CONCURRENCY}`);
		console.log('workflow                                  entries  executions  seconds  entries/s');
		for (const side of sides) {
			console.log(`${side.name.padEnd(40)} ${String(side.entries).padStart(8)} ${String(side.executions).padStart(11)} ${side.seconds.toFixed(1).padStart(8)} ${(side.entries / side.seconds).toFixed(1).padStart(10)}`);
		}
		const [batch, single] = sides as [Side, Side];
		const ratio = batch.entries / batch.seconds / (single.entries / single.seconds);
		console.log(`\nbatch drain / one entry per execution: ${ratio.toFixed(1)}× entries/s`);
		console.log(`RESULT ${JSON.stringify({ sides: sides.map((s) => ({ ...s, perSecond: s.entries / s.seconds })), ratio })}`);
	} finally {
		await ledger.close();
		await n8n.stop();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
