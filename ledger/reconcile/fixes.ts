import { recordEvents, type NewLedgerEvent } from '../events';
import { enqueueOutboxEntries } from '../outbox/enqueue';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { applySystemTag, RECONCILED_TAG } from '../system-tags';
import type { SweepRun } from './run';
import type { VendorSystem } from './types';

const OPEN_STATUSES = ['pending', 'failed', 'claimed', 'held'];

export type FixOutcome = 'created' | 'reopened' | 'queued' | 'skipped';

export interface Fix {
	kind: string;
	key: string;
	contactId: string;
	payload: Record<string, unknown>;
}

/**
 * Makes sure an entry with each fix's key is on its way: creates it, reopens it when it was done or
 * dead (the vendor still lacks what it delivered), or leaves an open one alone (refreshing its payload
 * unless a worker holds it). Discarded entries stay discarded: a person decided. One set-based
 * enqueue for the batch's fixes; outcomes in the order of `fixes`.
 */
export async function ensureFixes(tx: SqlExecutor, run: SweepRun, fixes: readonly Fix[]): Promise<{ outcome: FixOutcome; entryId: string }[]> {
	if (fixes.length === 0) return [];
	const payloads = fixes.map((fix) => ({ ...fix.payload, reconcileRunId: run.id }));
	const results = await enqueueOutboxEntries(
		tx,
		fixes.map((fix, i) => ({ launch: run.launch, kind: fix.kind, idempotencyKey: fix.key, contactId: fix.contactId, payload: payloads[i], source: run.source })),
	);
	const outcomes: { outcome: FixOutcome; entryId: string }[] = [];
	for (const [i, result] of results.entries()) {
		if (result.created) {
			outcomes.push({ outcome: 'created', entryId: result.id });
			continue;
		}
		const now = Date.now();
		const payload = JSON.stringify(payloads[i]);
		if (result.status === 'done' || result.status === 'dead') {
			const n = await tx.execute(
				`UPDATE outbox SET status = 'pending', attempts = 0, payload = $2, next_attempt_at = $3, updated_at = $3 WHERE id = $1 AND status IN ('done', 'dead')`,
				[result.id, payload, now],
			);
			outcomes.push({ outcome: n === 1 ? 'reopened' : 'queued', entryId: result.id });
			continue;
		}
		if (result.status === 'discarded') {
			outcomes.push({ outcome: 'skipped', entryId: result.id });
			continue;
		}
		await tx.execute(`UPDATE outbox SET payload = $2, updated_at = $3 WHERE id = $1 AND status IN ('pending', 'failed', 'held')`, [result.id, payload, now]);
		outcomes.push({ outcome: 'queued', entryId: result.id });
	}
	return outcomes;
}

/** One fix (delivery and checkout findings, decided one order at a time). */
export async function ensureFix(tx: SqlExecutor, run: SweepRun, fix: Fix): Promise<{ outcome: FixOutcome; entryId: string }> {
	const [outcome] = await ensureFixes(tx, run, [fix]);
	return outcome!;
}

/**
 * For the contacts `ids`, what their entries of `kinds` say about a list fetched at `listedAt`:
 * `open` — one is on its way (e.g. the sync capture enqueued), so no second one is needed;
 * `changed` — one was delivered, claimed or requeued at or after `listedAt`, or is in a worker's
 * hands now (it may have reached the vendor after the fetch without being acked yet), so the list
 * cannot tell whether the vendor has it. Dead and discarded entries change nothing at the vendor.
 */
export async function entryStates(
	tx: SqlExecutor,
	launch: string,
	kinds: readonly string[],
	ids: readonly string[],
	listedAt: number,
	concerns: (entry: { kind: string; idempotency_key: string }) => boolean = () => true,
): Promise<{ open: Set<string>; changed: Set<string> }> {
	const open = new Set<string>();
	const changed = new Set<string>();
	for (let i = 0; i < ids.length; i += 500) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ contact_id: string; kind: string; idempotency_key: string; status: string; updated_at: number | string }>(
			`SELECT contact_id, kind, idempotency_key, status, updated_at FROM outbox WHERE launch = $1 AND kind IN (${inList(kinds, params)})
			 AND status NOT IN ('dead', 'discarded') AND contact_id IN (${inList(ids.slice(i, i + 500), params)})`,
			params,
		);
		for (const r of rows) {
			if (!concerns(r)) continue;
			if (OPEN_STATUSES.includes(r.status)) open.add(r.contact_id);
			if (r.status === 'claimed' || Number(r.updated_at) >= listedAt) changed.add(r.contact_id);
		}
	}
	return { open, changed };
}

/** A contact a fix was made for, by which finding of which system. */
export interface Healed {
	contactId: string;
	entryId: string;
	finding: string;
	system: VendorSystem;
	outcome: FixOutcome;
}

/** Tags the contacts healed by created/reopened fixes and records one event per fix. */
export async function markHealed(tx: SqlExecutor, run: SweepRun, healed: Healed[]): Promise<void> {
	const fixed = healed.filter((h) => h.outcome === 'created' || h.outcome === 'reopened');
	if (fixed.length === 0) return;
	run.fixes += fixed.length;
	// The tag events and the fix events go out in one statement (tag events first, as before).
	const events: NewLedgerEvent[] = [];
	const tagged = await applySystemTag(tx, { launch: run.launch, contactIds: fixed.map((h) => h.contactId), tag: RECONCILED_TAG, kind: 'behaviour', source: run.source, events });
	run.healed += tagged.length;
	events.push(...fixed.map((h) => ({
		launch: run.launch,
		contactId: h.contactId,
		type: 'reconcile.fix',
		source: run.source,
		data: { runId: run.id, system: h.system, finding: h.finding, entryId: h.entryId, outcome: h.outcome },
	})));
	for (let i = 0; i < events.length; i += 500) await recordEvents(tx, events.slice(i, i + 500));
}
