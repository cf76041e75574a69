import { LedgerInputError } from '../errors';
import { outboxHealth } from '../outbox/health';
import type { Store } from '../store';
import { checkoutBatch, deliveryBatch } from './orders';
import { batches, batchTransaction, emptyReport, listedAtOf, refreshPlannerStatistics, SweepRun } from './run';
import type { SweepInput, SweepReport, SystemReport, VendorSystem } from './types';
import { contactBatch, missingInVendor } from './vendor-contacts';

/**
 * The reconcile sweep: compares what vendors have with what the ledger says and turns every
 * difference into outbox work (or a report). Vendor lists arrive as streams and are read in batches;
 * what has been seen is written to `reconcile_seen`, so "missing in the ESP" is a query, not a
 * 100k-entry Set in memory.
 *
 * Runs one sweep. Each batch is its own transaction, so a sweep over 100k records never holds one
 * long lock and what it fixed stays fixed if a later batch fails.
 */
export async function runReconcileSweep(store: Store, input: SweepInput): Promise<SweepReport> {
	if (typeof input.launch !== 'string' || input.launch.trim() === '') throw new LedgerInputError('launch', 'is required');
	const batchSize = input.batchSize ?? 1000;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new LedgerInputError('batchSize', 'must be a whole number from 1 to 5000');
	const startedAt = Date.now();
	const run = new SweepRun(input.launch.trim(), input.source ?? 'reconcile-sweep', listedAtOf(input.listedAt, startedAt));
	await store.execute(`INSERT INTO reconcile_runs (id, launch, status, report, started_at) VALUES ($1, $2, 'running', '{}', $3)`, [run.id, run.launch, startedAt]);
	const systems: Partial<Record<VendorSystem, SystemReport>> = {};
	try {
		await refreshPlannerStatistics(store, ['contacts', 'identifiers', 'contact_tags']);
		const outbox = await outboxHealth(store, run.launch);
		const registry = await store.query<{ tag: string }>('SELECT tag FROM tag_registry WHERE launch = $1', [run.launch]);
		run.registry = new Set(registry.map((r) => r.tag));

		for (const system of ['esp', 'crm'] as const) {
			const stream = input[system];
			if (!stream) continue;
			const report = (systems[system] = emptyReport());
			for await (const batch of batches(stream, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => contactBatch(tx, run, system, batch, report));
			}
			await refreshPlannerStatistics(store, ['reconcile_seen']);
			await missingInVendor(store, run, system, report, batchSize);
		}
		if (input.delivery) {
			const report = (systems.delivery = emptyReport());
			for await (const batch of batches(input.delivery, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => deliveryBatch(tx, run, batch, report, input.purchases));
			}
		}
		if (input.checkout) {
			const report = (systems.checkout = emptyReport());
			for await (const batch of batches(input.checkout, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => checkoutBatch(tx, run, batch, report, input.purchases));
			}
		}
		const listedAt = Object.fromEntries(Object.keys(systems).map((system) => [system, run.listedAt[system as VendorSystem]]));
		const result: SweepReport = { runId: run.id, launch: run.launch, outbox, systems, listedAt, fixes: run.fixes, healedContacts: run.healed, findings: run.findingSeq };
		await store.execute(`UPDATE reconcile_runs SET status = 'done', report = $2, finished_at = $3 WHERE id = $1`, [run.id, JSON.stringify(result), Date.now()]);
		return result;
	} catch (error) {
		await store.execute(`UPDATE reconcile_runs SET status = 'failed', report = $2, finished_at = $3 WHERE id = $1`, [
			run.id,
			JSON.stringify({ error: (error as Error).message, systems }),
			Date.now(),
		]);
		throw error;
	} finally {
		// The staging rows are only needed while the run compares.
		await store.execute('DELETE FROM reconcile_seen WHERE run_id = $1', [run.id]);
	}
}
