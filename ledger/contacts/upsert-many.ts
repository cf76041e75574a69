import type { Store } from '../store';
import type { UpsertContactInput } from './input';
import { completeUpsert, prepareUpsert, type PreparedUpsert, type UpsertContactResult } from './upsert';
import { upsertContactAlone } from './upsert-alone';

/** One input's outcome in upsertContactsInOrder: its result, or the error contacts.upsert would have thrown. */
export type UpsertManyOutcome = { ok: true; result: UpsertContactResult } | { ok: false; error: Error };

/** Inputs per transaction in upsertContactsInOrder: long enough to share a commit, short enough not to hold SQLite's write lock for long. */
export const UPSERT_MANY_CHUNK = 100;

/**
 * Upserts inputs in order with the outcome of one contacts.upsert per input (an input that fails
 * does not stop the others; a later input sees what an earlier one wrote). On SQLite, where the
 * commit is most of an upsert's cost, up to UPSERT_MANY_CHUNK inputs share one transaction: each
 * input's reads and validation run first and write nothing, so an input error is reported for
 * that input alone; if a write fails, the chunk is rolled back and its inputs are upserted one by
 * one instead, so the outcome never depends on batching. On PostgreSQL each input is one
 * upsertContactAlone (already one round trip for a new contact, with no transaction to share).
 */
export async function upsertContactsInOrder(store: Store, inputs: readonly UpsertContactInput[]): Promise<UpsertManyOutcome[]> {
	const outcomes: UpsertManyOutcome[] = [];
	const settle = async (input: UpsertContactInput) => {
		try {
			outcomes.push({ ok: true, result: await upsertContactAlone(store, input) });
		} catch (error) {
			outcomes.push({ ok: false, error: error as Error });
		}
	};
	if (store.dialect === 'postgres') {
		for (const input of inputs) await settle(input);
		return outcomes;
	}
	for (let start = 0; start < inputs.length; start += UPSERT_MANY_CHUNK) {
		const chunk = inputs.slice(start, start + UPSERT_MANY_CHUNK);
		const chunkOutcomes = await store
			.transaction(async (tx) => {
				const done: UpsertManyOutcome[] = [];
				for (const input of chunk) {
					let prepared: PreparedUpsert;
					try {
						prepared = await prepareUpsert(tx, input);
					} catch (error) {
						done.push({ ok: false, error: error as Error });
						continue;
					}
					done.push({ ok: true, result: await completeUpsert(tx, prepared) });
				}
				return done;
			})
			.catch(() => null);
		if (chunkOutcomes) outcomes.push(...chunkOutcomes);
		else for (const input of chunk) await settle(input);
	}
	return outcomes;
}
