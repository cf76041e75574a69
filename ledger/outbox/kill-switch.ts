import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { HOLDING_TAG, applySystemTag, removeSystemTag } from '../system-tags';
import { EVENT_CHUNK, recordEventsChunked, selectForChange, updateByIds } from './entry';
import { idList } from './input';

/**
 * The kill switch: a paused launch holds back grants (or every vendor call) — claims pass over the
 * held kinds, new entries of them are `held`, and their contacts join the holding segment — until a
 * person resumes the launch or lets single entries through.
 */
/** Which kinds a paused launch holds back: grants only, or every vendor call. */
export type PauseScope = 'grants' | 'all';
export const GRANT_KINDS = ['grant'];

export interface PauseState {
	paused: boolean;
	scope: PauseScope | null;
	pausedBy: string | null;
	reason: string | null;
	pausedAt: number | null;
}

export async function getPauseState(tx: SqlExecutor, launch: string): Promise<PauseState> {
	const [row] = await tx.query<{ scope: string | null; paused_by: string | null; reason: string | null; paused_at: number | null }>(
		'SELECT scope, paused_by, reason, paused_at FROM outbox_switches WHERE launch = $1',
		[launch],
	);
	if (!row?.scope) return { paused: false, scope: null, pausedBy: null, reason: null, pausedAt: null };
	return { paused: true, scope: row.scope as PauseScope, pausedBy: row.paused_by, reason: row.reason, pausedAt: row.paused_at === null ? null : Number(row.paused_at) };
}

export function holdsKind(scope: PauseScope | null, kind: string): boolean {
	return scope === 'all' || (scope === 'grants' && GRANT_KINDS.includes(kind));
}

export interface PauseInput {
	launch: string;
	/** grants (default): hold access grants only; all: hold every vendor call. */
	scope?: PauseScope;
	/** Who pressed it (a name or email); recorded on the event. */
	by: string;
	reason: string;
	source?: string;
	now?: number;
}

/**
 * Turns the kill switch on. From now on claims do not hand out the paused kinds, new entries of those
 * kinds are `held`, and entries already waiting are moved to `held` too — each held entry's contact
 * joins the holding segment (tag `access-on-hold`). Entries already claimed finish normally.
 */
export async function pauseOutbox(tx: SqlExecutor, input: PauseInput): Promise<{ state: PauseState; heldNow: number }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const scope = input.scope ?? 'grants';
	if (scope !== 'grants' && scope !== 'all') throw new LedgerInputError('scope', 'must be "grants" or "all"');
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const before = await getPauseState(tx, launch);
	await tx.execute(
		`INSERT INTO outbox_switches (launch, scope, paused_by, reason, paused_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
		 ON CONFLICT (launch) DO UPDATE SET scope = excluded.scope, paused_by = excluded.paused_by, reason = excluded.reason,
			paused_at = excluded.paused_at, updated_at = excluded.updated_at`,
		[launch, scope, by, reason, now],
	);
	const params: SqlValue[] = [launch, now];
	const kindFilter = scope === 'all' ? '' : ` AND kind IN (${inList(GRANT_KINDS, params)})`;
	const held = await tx.query<{ id: string; contact_id: string | null }>(
		`UPDATE outbox SET status = 'held', updated_at = $2 WHERE launch = $1 AND status IN ('pending', 'failed') AND pause_exempt = 0${kindFilter}
		 RETURNING id, contact_id`,
		params,
	);
	await recordEventsChunked(tx, [
		{ launch, contactId: null, type: 'outbox.paused', source: input.source, data: { scope, by, reason, heldNow: held.length, before: before.scope }, at: now },
		...held.map((h) => ({ launch, contactId: h.contact_id, type: 'outbox.held', source: input.source, data: { entryId: h.id, scope }, at: now })),
	]);
	const contactIds = held.map((h) => h.contact_id).filter((c): c is string => c !== null);
	await applySystemTag(tx, { launch, contactIds, tag: HOLDING_TAG, kind: 'segment', source: 'kill-switch' });
	return { state: await getPauseState(tx, launch), heldNow: held.length };
}

/** Releases held entries to pending (due now, so claims take them in their original order). */
async function releaseHeld(tx: SqlExecutor, launch: string, rows: { id: string; contact_id: string | null }[], now: number, exempt: boolean, source?: string): Promise<void> {
	await updateByIds(tx, rows.map((r) => r.id), `status = 'pending', next_attempt_at = $1, updated_at = $1${exempt ? ', pause_exempt = 1' : ''}`, [now]);
	await untagWhenNothingHeld(tx, launch, rows, source);
}

async function untagWhenNothingHeld(tx: SqlExecutor, launch: string, rows: { contact_id: string | null }[], source?: string): Promise<void> {
	const contacts = [...new Set(rows.map((r) => r.contact_id).filter((c): c is string => c !== null))];
	const stillHeld = new Set<string>();
	for (let i = 0; i < contacts.length; i += EVENT_CHUNK) {
		const params: SqlValue[] = [launch];
		const chunk = contacts.slice(i, i + EVENT_CHUNK);
		const held = await tx.query<{ contact_id: string }>(
			`SELECT DISTINCT contact_id FROM outbox WHERE launch = $1 AND status = 'held' AND contact_id IN (${inList(chunk, params)})`,
			params,
		);
		for (const h of held) stillHeld.add(h.contact_id);
	}
	await removeSystemTag(tx, { launch, contactIds: contacts.filter((c) => !stillHeld.has(c)), tag: HOLDING_TAG, source: source ?? 'kill-switch' });
}

/** Turns the kill switch off and releases every held entry, in the order they were created. */
export async function resumeOutbox(
	tx: SqlExecutor,
	input: { launch: string; by: string; reason: string; source?: string; now?: number },
): Promise<{ released: number; wasPaused: boolean }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const before = await getPauseState(tx, launch);
	await tx.execute(
		`INSERT INTO outbox_switches (launch, scope, paused_by, reason, paused_at, updated_at) VALUES ($1, NULL, $2, $3, NULL, $4)
		 ON CONFLICT (launch) DO UPDATE SET scope = NULL, paused_by = excluded.paused_by, reason = excluded.reason, paused_at = NULL, updated_at = excluded.updated_at`,
		[launch, by, reason, now],
	);
	const rows = await selectForChange(tx, launch, ['held'], {});
	await releaseHeld(tx, launch, rows, now, false, input.source);
	await tx.execute(`UPDATE outbox SET pause_exempt = 0 WHERE launch = $1 AND pause_exempt = 1`, [launch]);
	await recordEventsChunked(tx, [
		{ launch, contactId: null, type: 'outbox.resumed', source: input.source, data: { by, reason, released: rows.length, before: before.scope }, at: now },
		...rows.map((r) => ({ launch, contactId: r.contact_id, type: 'outbox.released', source: input.source, data: { entryId: r.id, kind: r.kind, by }, at: now })),
	]);
	return { released: rows.length, wasPaused: before.paused };
}

/** A person lets single held entries through (even while paused), or throws them away. */
export async function settleHeldEntries(
	tx: SqlExecutor,
	input: { launch: string; ids: string[] | string; action: 'release' | 'discard'; by: string; reason: string; source?: string; now?: number },
): Promise<{ ids: string[] }> {
	const launch = requiredText(input.launch, 'launch', 200);
	const ids = idList(input.ids);
	if (!ids?.length) throw new LedgerInputError('ids', 'name at least one held entry');
	const by = requiredText(input.by, 'by', 200);
	const reason = requiredText(input.reason, 'reason', 2000);
	const now = input.now ?? Date.now();
	const rows = await selectForChange(tx, launch, ['held'], { ids });
	if (input.action === 'release') {
		await releaseHeld(tx, launch, rows, now, true, input.source);
	} else {
		await updateByIds(tx, ids, `status = 'discarded', updated_at = $1`, [now]);
		await untagWhenNothingHeld(tx, launch, rows, input.source);
	}
	await recordEventsChunked(
		tx,
		rows.map((r) => ({
			launch,
			contactId: r.contact_id,
			type: input.action === 'release' ? 'outbox.released' : 'outbox.discarded',
			source: input.source,
			data: { entryId: r.id, kind: r.kind, by, reason },
			at: now,
		})),
	);
	return { ids: rows.map((r) => r.id) };
}
