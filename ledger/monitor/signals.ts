import { LedgerInputError } from '../errors';
import { inList, type Dialect, type SqlExecutor, type SqlValue, type Store } from '../store';
import { jsonText, maybeTime, num, percent } from './sql';

/**
 * The launch signals for one time window, read from the ledger's own tables. Every statement is an
 * index range over the window (contacts, events, capture rejections, purchases and inbox by time)
 * or over work that is not finished (outbox entries by status, open review items, unmatched
 * purchases): none reads the finished history, so the cost follows the window's activity and the
 * backlog, not the number of contacts. `signalStatements` lists them so a test can EXPLAIN each.
 *
 * What counts:
 * - a new person is a group of contacts that are one person (merged into one survivor) whose
 *   earliest contact was created in the window: two signups merged later count once, a contact
 *   created in the window and merged into an older one does not count, and neither does a survivor
 *   created in the window that absorbed an older contact. Test contacts and forgotten people never
 *   count. Their UTMs are the survivor's first touch (the earliest touch of the person);
 * - a repeat is a capture of someone already on the list (a `signup.repeated` event);
 * - a captured purchase is one whose capture (the provider's time) falls in the window, whatever
 *   happened to it later (refunds and chargebacks leave it counted; partial payments and
 *   authorizations never capture, so never count);
 * - paid without access: a grant the ledger decided (the access is granted) that has not reached
 *   the delivery platform (pending, failed, in flight or dead — held entries are the kill switch's,
 *   counted there), and captured payments nobody was matched to, unless refunded or charged back.
 *   Age: since the grant was decided, or since the unmatched payment was captured;
 * - point-in-time values (outbox, dead letters, held entries, unmatched payments, review queue,
 *   unprocessed deliveries) are as at `now`, counting only what existed by then.
 */

export interface SignalsInput {
	launch: string;
	/** Window start (inclusive) and end (exclusive), epoch ms. */
	from: number;
	to: number;
	/** When point-in-time values are measured (ages, backlog). */
	now: number;
	/** utm_medium values that mean paid traffic. */
	paidMediums: readonly string[];
	/** alerts.liveAt, when the launch has one. */
	liveAt?: number | null;
}

export interface CountByKind {
	[kind: string]: number;
}

export interface MonitorSignals {
	launch: string;
	window: { from: number; to: number; ms: number };
	measuredAt: number;
	/** When the launch counts as live: alerts.liveAt, else the first (non-test) signup; null before any. */
	liveSince: number | null;
	ingestion: {
		/** New people + repeats. */
		accepted: number;
		newPeople: number;
		repeats: number;
		perMinute: { accepted: number; newPeople: number; repeats: number };
		/** Signups the capture trigger refused, by reason (invalid, honeypot, too_fast, paid_without_source …). */
		refused: number;
		refusedByReason: CountByKind;
		/** Of those, refused past their address's cap: counted, nothing of them kept (ledger/refusals.ts). */
		refusedNotKept: number;
	};
	utm: {
		newPeople: number;
		withSource: number;
		withSourceMediumCampaign: number;
		/** New people whose first touch has a paid utm_medium and no utm_source. */
		paidWithoutSource: number;
		/** Signups refused because paid traffic came without utm_source. */
		refusedPaidWithoutSource: number;
		sourcePercent: number | null;
		completePercent: number | null;
	};
	reconciliation: {
		captured: number;
		matched: number;
		unmatched: number;
		/** How matched purchases found their contact; `other`: matched before this was recorded, or by a person. */
		byHow: { token: number; customer_id: number; email: number; other: number };
		percent: number | null;
		/** Purchases matched to nobody, waiting in Review now. */
		reviewWaiting: number;
	};
	delivery: {
		paidWithoutAccess: { count: number; oldestAgeMs: number | null; undelivered: number; unmatched: number };
		outbox: { open: number; oldestAgeMs: number | null; byKind: Record<string, { pending: number; failed: number; claimed: number; oldestAgeMs: number | null }> };
		deadLetters: { count: number; byKind: CountByKind };
		held: { count: number; byKind: CountByKind; killSwitch: { paused: boolean; scope: string | null; pausedAt: number | null; pausedBy: string | null; reason: string | null } };
		/** notKept: refused past their sender's cap — counted, nothing of them kept (ledger/refusals.ts). */
		refusedDeliveries: { count: number; byReason: CountByKind; byProvider: CountByKind; notKept: number };
		/** Verified payment deliveries still unprocessed UNPROCESSED_AFTER_MS after they arrived. */
		unprocessedDeliveries: { count: number; oldestAgeMs: number | null };
	};
	vendorSync: {
		/** New people of the window with ESP / CRM sync work, and how many of them are fully synced. */
		esp: { contacts: number; synced: number; percent: number | null };
		crm: { contacts: number; synced: number; percent: number | null };
		/** Outbox entries retrying (failed) and dead, per kind (esp_sync, crm_sync, grant …), with the latest error. */
		failures: Record<string, { failing: number; dead: number; lastError: string | null; lastErrorAt: number | null }>;
	};
	review: { open: number; byKind: CountByKind };
	/** Wrong passwords on the pack's pages (kill switch, dashboard) in the window, by page; addresses made to wait now. */
	signIn: { failures: number; byPage: CountByKind; blockedNow: number };
}

/** A delivery the trigger stored but no run processed for this long counts as left unprocessed (the replay's default). */
export const UNPROCESSED_AFTER_MS = 10 * 60_000;

/** Outbox statuses of work not yet done. */
const OPEN = `'pending', 'failed', 'claimed'`;

interface StatementContext extends SignalsInput {
	dialect: Dialect;
}

export interface SignalStatement {
	name: string;
	sql: string;
	params: SqlValue[];
}

/**
 * A join that reads the left side first and looks each row up on the right by an index. SQLite
 * plans without statistics (the ledger never runs ANALYZE) and may otherwise scan the big table and
 * index the small one; CROSS JOIN is its documented way to fix the order. PostgreSQL plans by cost.
 */
const lookupJoin = (dialect: Dialect) => (dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN');

/**
 * The people whose first contact was created in [$2, $3): contacts created in the window, walked up
 * to the contact they live on in (merged_into), then down to every contact merged into that one,
 * so the person's earliest contact decides. Each step is a primary-key or merged_into index lookup
 * per contact of the window; creation times travel with the walk, so no step joins back.
 */
function peopleCte(dialect: Dialect): string {
	return `WITH RECURSIVE
	win AS (
		SELECT id, merged_into, created_at FROM contacts WHERE launch = $1 AND created_at >= $2 AND created_at < $3 AND is_test = 0
	),
	up (id, merged_into, created_at, hops) AS (
		SELECT id, merged_into, created_at, 0 FROM win
		UNION ALL
		SELECT c.id, c.merged_into, c.created_at, up.hops + 1 FROM up ${lookupJoin(dialect)} contacts c ON c.id = up.merged_into WHERE up.hops < 50
	),
	roots AS (SELECT DISTINCT id, created_at FROM up WHERE merged_into IS NULL),
	down (root, id, created_at, hops) AS (
		SELECT id, id, created_at, 0 FROM roots
		UNION ALL
		SELECT down.root, c.id, c.created_at, down.hops + 1 FROM down ${lookupJoin(dialect)} contacts c ON c.merged_into = down.id WHERE down.hops < 50
	),
	first_seen AS (SELECT root, MIN(created_at) AS first_at FROM down GROUP BY root),
	people AS (
		SELECT r.id, r.first_touch FROM first_seen f ${lookupJoin(dialect)} contacts r ON r.id = f.root
		WHERE f.first_at >= $2 AND f.first_at < $3 AND r.status = 'active' AND r.is_test = 0
	)`;
}

/** Every statement a signals computation runs, in order. */
export function signalStatements(c: StatementContext): SignalStatement[] {
	const j = (column: string, key: string) => jsonText(c.dialect, column, key);
	const window: SqlValue[] = [c.launch, c.from, c.to];
	const paidParams: SqlValue[] = [...window];
	const paidList = c.paidMediums.length ? `LOWER(med) IN (${inList([...c.paidMediums], paidParams)})` : '1 = 0';
	const grantProduct = j('o.payload', 'productId');
	const join = lookupJoin(c.dialect);
	return [
		{
			name: 'new_people',
			sql: `${peopleCte(c.dialect)}
			SELECT COUNT(*) AS people,
				SUM(CASE WHEN src IS NOT NULL THEN 1 ELSE 0 END) AS with_source,
				SUM(CASE WHEN src IS NOT NULL AND med IS NOT NULL AND camp IS NOT NULL THEN 1 ELSE 0 END) AS complete,
				SUM(CASE WHEN src IS NULL AND ${paidList} THEN 1 ELSE 0 END) AS paid_without_source
			FROM (SELECT ${j('first_touch', 'utm_source')} AS src, ${j('first_touch', 'utm_medium')} AS med, ${j('first_touch', 'utm_campaign')} AS camp FROM people) t`,
			params: paidParams,
		},
		{
			name: 'vendor_sync',
			sql: `${peopleCte(c.dialect)},
			sync AS (
				SELECT o.kind, o.contact_id, MAX(CASE WHEN o.status IN (${OPEN}, 'held', 'dead') THEN 1 ELSE 0 END) AS waiting
				FROM people p ${join} outbox o ON o.contact_id = p.id
				WHERE o.kind IN ('esp_sync', 'crm_sync') AND o.created_at <= $4
				GROUP BY o.kind, o.contact_id
			)
			SELECT kind, COUNT(*) AS contacts, SUM(waiting) AS waiting FROM sync GROUP BY kind`,
			params: [...window, c.now],
		},
		{
			name: 'repeats',
			sql: `SELECT COUNT(*) AS n FROM events e ${join} contacts c ON c.id = e.contact_id
			 WHERE e.launch = $1 AND e.type = 'signup.repeated' AND e.created_at >= $2 AND e.created_at < $3 AND c.is_test = 0`,
			params: window,
		},
		{
			name: 'refused_signups',
			sql: `SELECT reason, COUNT(*) AS n FROM capture_rejections WHERE launch = $1 AND created_at >= $2 AND created_at < $3 GROUP BY reason`,
			params: window,
		},
		{
			name: 'refused_signups_not_kept',
			sql: `SELECT reason, SUM(refused) AS n FROM refusal_counts WHERE launch = $1 AND surface = 'capture' AND bucket >= $2 AND bucket < $3 GROUP BY reason`,
			params: window,
		},
		{
			name: 'first_signup',
			sql: `SELECT created_at FROM contacts WHERE launch = $1 AND is_test = 0 ORDER BY created_at LIMIT 1`,
			params: [c.launch],
		},
		{
			name: 'captured_purchases',
			sql: `SELECT matched_by, CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END AS matched, COUNT(*) AS n FROM purchases
			 WHERE launch = $1 AND captured_at >= $2 AND captured_at < $3
			 GROUP BY matched_by, CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END`,
			params: window,
		},
		{
			name: 'open_review',
			sql: `SELECT kind, reason, COUNT(*) AS n FROM review_items WHERE launch = $1 AND status = 'open' AND created_at <= $2 GROUP BY kind, reason`,
			params: [c.launch, c.now],
		},
		{
			name: 'unmatched_paid',
			sql: `SELECT COUNT(*) AS n, MIN(captured_at) AS oldest FROM purchases
			 WHERE launch = $1 AND contact_id IS NULL AND captured_at IS NOT NULL AND captured_at <= $2
			   AND refunded_at IS NULL AND (dispute IS NULL OR dispute = 'won')`,
			params: [c.launch, c.now],
		},
		{
			// One per (contact, product): a later grant of the same product that was delivered settles it.
			name: 'undelivered_grants',
			sql: `SELECT COUNT(DISTINCT o.contact_id || '|' || ${grantProduct}) AS n, MIN(o.created_at) AS oldest
			 FROM outbox o ${join} access a ON a.launch = o.launch AND a.contact_id = o.contact_id AND a.product_id = ${grantProduct}
			 WHERE o.launch = $1 AND o.kind = 'grant' AND o.status IN (${OPEN}, 'dead') AND o.created_at <= $2 AND a.state = 'granted'
			   AND NOT EXISTS (
				SELECT 1 FROM outbox d WHERE d.contact_id = o.contact_id AND d.kind = 'grant' AND d.status = 'done' AND d.seq > o.seq
				  AND ${jsonText(c.dialect, 'd.payload', 'productId')} = ${grantProduct})`,
			params: [c.launch, c.now],
		},
		{
			name: 'outbox_backlog',
			sql: `SELECT kind, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
			 WHERE launch = $1 AND status IN (${OPEN}, 'held', 'dead') AND created_at <= $2 GROUP BY kind, status`,
			params: [c.launch, c.now],
		},
		{
			name: 'outbox_last_errors',
			sql: `SELECT kind, last_error, updated_at FROM (
				SELECT kind, last_error, updated_at, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY updated_at DESC, seq DESC) AS rn
				FROM outbox WHERE launch = $1 AND status IN ('failed', 'dead') AND created_at <= $2
			 ) t WHERE rn = 1`,
			params: [c.launch, c.now],
		},
		{
			name: 'kill_switch',
			sql: `SELECT scope, paused_by, reason, paused_at FROM outbox_switches WHERE launch = $1`,
			params: [c.launch],
		},
		{
			name: 'refused_deliveries',
			sql: `SELECT provider, signature_reason, COUNT(*) AS n FROM purchase_inbox
			 WHERE launch = $1 AND status = 'rejected' AND received_at >= $2 AND received_at < $3 GROUP BY provider, signature_reason`,
			params: window,
		},
		{
			name: 'refused_deliveries_not_kept',
			sql: `SELECT kind AS provider, reason AS signature_reason, SUM(refused) AS n FROM refusal_counts
			 WHERE launch = $1 AND surface = 'purchase' AND bucket >= $2 AND bucket < $3 GROUP BY kind, reason`,
			params: window,
		},
		{
			name: 'sign_in_failures',
			sql: 'SELECT page, COUNT(*) AS n FROM page_sign_in_failures WHERE launch = $1 AND at >= $2 AND at < $3 GROUP BY page',
			params: window,
		},
		{
			name: 'sign_in_blocked',
			sql: 'SELECT COUNT(*) AS n FROM page_sign_in_throttle WHERE launch = $1 AND blocked_until > $2',
			params: [c.launch, c.now],
		},
		{
			name: 'unprocessed_deliveries',
			sql: `SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM purchase_inbox WHERE launch = $1 AND status = 'received' AND received_at < $2`,
			params: [c.launch, c.now - UNPROCESSED_AFTER_MS],
		},
	];
}

export function validateWindow(input: { launch: unknown; from: unknown; to: unknown; now: unknown }): void {
	if (typeof input.launch !== 'string' || input.launch.trim() === '') throw new LedgerInputError('launch', 'is required, e.g. "default"');
	for (const key of ['from', 'to', 'now'] as const) {
		const v = input[key];
		if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new LedgerInputError(key, `must be a time in epoch milliseconds; got ${JSON.stringify(v)}`);
	}
	if ((input.to as number) <= (input.from as number)) throw new LedgerInputError('to', 'must be after from');
}

const add = (counts: CountByKind, key: string, n: number) => {
	counts[key] = (counts[key] ?? 0) + n;
};
const perMinute = (n: number, ms: number) => Math.round((n * 60_000 * 100) / ms) / 100;
const age = (now: number, at: number | null) => (at === null ? null : Math.max(0, now - at));

/**
 * Runs the signal statements. On PostgreSQL they share one read-only REPEATABLE READ transaction —
 * every statement sees the same moment — with JIT off: the planner's estimates for the recursive
 * merge walk are far above its real cost, and compiling the query took longer than running it.
 * SQLite reads on the store directly (a transaction there would take the write lock).
 */
async function runStatements(db: SqlExecutor | Store, statements: SignalStatement[]): Promise<Map<string, Array<Record<string, unknown>>>> {
	const run = async (tx: SqlExecutor) => {
		const results = new Map<string, Array<Record<string, unknown>>>();
		for (const statement of statements) results.set(statement.name, await tx.query(statement.sql, statement.params));
		return results;
	};
	if (db.dialect !== 'postgres' || !('transaction' in db)) return run(db);
	return db.transaction(async (tx) => {
		await tx.execute('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
		await tx.execute('SET LOCAL jit = off');
		return run(tx);
	});
}

type SignalRows = (name: string) => Array<Record<string, unknown>>;
const sum = (counts: CountByKind) => Object.values(counts).reduce((a, b) => a + b, 0);

function ingestionOf(rows: SignalRows, ms: number): MonitorSignals['ingestion'] {
	const newPeople = num(rows('new_people')[0]?.people);
	const repeats = num(rows('repeats')[0]?.n);
	const refusedByReason: CountByKind = {};
	for (const r of rows('refused_signups')) add(refusedByReason, String(r.reason), num(r.n));
	const notKept = rows('refused_signups_not_kept');
	for (const r of notKept) add(refusedByReason, String(r.reason), num(r.n));
	const accepted = newPeople + repeats;
	return {
		accepted,
		newPeople,
		repeats,
		perMinute: { accepted: perMinute(accepted, ms), newPeople: perMinute(newPeople, ms), repeats: perMinute(repeats, ms) },
		refused: sum(refusedByReason),
		refusedByReason,
		refusedNotKept: notKept.reduce((n, r) => n + num(r.n), 0),
	};
}

function utmOf(rows: SignalRows, refusedByReason: CountByKind): MonitorSignals['utm'] {
	const people = rows('new_people')[0] ?? {};
	const newPeople = num(people.people);
	const withSource = num(people.with_source);
	const complete = num(people.complete);
	return {
		newPeople,
		withSource,
		withSourceMediumCampaign: complete,
		paidWithoutSource: num(people.paid_without_source),
		refusedPaidWithoutSource: refusedByReason.paid_without_source ?? 0,
		sourcePercent: percent(withSource, newPeople),
		completePercent: percent(complete, newPeople),
	};
}

function reconciliationOf(rows: SignalRows): MonitorSignals['reconciliation'] {
	const byHow = { token: 0, customer_id: 0, email: 0, other: 0 };
	let captured = 0;
	let matched = 0;
	for (const r of rows('captured_purchases')) {
		const n = num(r.n);
		captured += n;
		if (num(r.matched) !== 1) continue;
		matched += n;
		const how = r.matched_by as string | null;
		if (how === 'token' || how === 'customer_id' || how === 'email') byHow[how] += n;
		else byHow.other += n;
	}
	let reviewWaiting = 0;
	for (const r of rows('open_review')) if (r.kind === 'purchase' && r.reason === 'no_contact_match') reviewWaiting += num(r.n);
	return { captured, matched, unmatched: captured - matched, byHow, percent: percent(matched, captured), reviewWaiting };
}

function signInOf(rows: SignalRows): MonitorSignals['signIn'] {
	const byPage: CountByKind = {};
	for (const r of rows('sign_in_failures')) add(byPage, String(r.page), num(r.n));
	return { failures: sum(byPage), byPage, blockedNow: num(rows('sign_in_blocked')[0]?.n) };
}

function reviewOf(rows: SignalRows): MonitorSignals['review'] {
	const byKind: CountByKind = {};
	for (const r of rows('open_review')) add(byKind, String(r.kind), num(r.n));
	return { open: sum(byKind), byKind };
}

/** The outbox's open work by kind, its dead letters and held entries, and failures by vendor kind. */
function outboxOf(rows: SignalRows, now: number) {
	const byKind: MonitorSignals['delivery']['outbox']['byKind'] = {};
	const deadByKind: CountByKind = {};
	const heldByKind: CountByKind = {};
	const failures: MonitorSignals['vendorSync']['failures'] = {};
	let openOldest: number | null = null;
	for (const r of rows('outbox_backlog')) {
		const kind = String(r.kind);
		const status = String(r.status);
		const n = num(r.n);
		const oldest = maybeTime(r.oldest);
		if (status === 'dead') add(deadByKind, kind, n);
		else if (status === 'held') add(heldByKind, kind, n);
		else {
			const entry = (byKind[kind] ??= { pending: 0, failed: 0, claimed: 0, oldestAgeMs: null });
			entry[status as 'pending' | 'failed' | 'claimed'] += n;
			if (oldest !== null) {
				entry.oldestAgeMs = Math.max(entry.oldestAgeMs ?? 0, age(now, oldest)!);
				openOldest = openOldest === null ? oldest : Math.min(openOldest, oldest);
			}
		}
		if (status === 'failed' || status === 'dead') {
			const f = (failures[kind] ??= { failing: 0, dead: 0, lastError: null, lastErrorAt: null });
			if (status === 'failed') f.failing += n;
			else f.dead += n;
		}
	}
	for (const r of rows('outbox_last_errors')) {
		const f = failures[String(r.kind)];
		if (!f) continue;
		f.lastError = (r.last_error as string | null) ?? null;
		f.lastErrorAt = maybeTime(r.updated_at);
	}
	const open = Object.values(byKind).reduce((a, k) => a + k.pending + k.failed + k.claimed, 0);
	return { outbox: { open, oldestAgeMs: age(now, openOldest), byKind }, deadByKind, heldByKind, failures };
}

function killSwitchOf(rows: SignalRows): MonitorSignals['delivery']['held']['killSwitch'] {
	const row = rows('kill_switch')[0];
	const paused = Boolean(row?.scope);
	return {
		paused,
		scope: (row?.scope as string | null | undefined) ?? null,
		pausedAt: paused ? maybeTime(row!.paused_at) : null,
		pausedBy: paused ? ((row!.paused_by as string | null) ?? null) : null,
		reason: paused ? ((row!.reason as string | null) ?? null) : null,
	};
}

function deliveryOf(rows: SignalRows, now: number, outbox: ReturnType<typeof outboxOf>): MonitorSignals['delivery'] {
	const unmatchedPaid = rows('unmatched_paid')[0] ?? {};
	const undelivered = rows('undelivered_grants')[0] ?? {};
	const paidOldest = [maybeTime(unmatchedPaid.oldest), maybeTime(undelivered.oldest)].filter((t): t is number => t !== null);
	const byReason: CountByKind = {};
	const byProvider: CountByKind = {};
	// Kept refusals and the ones only counted (past their sender's cap) alike.
	for (const r of [...rows('refused_deliveries'), ...rows('refused_deliveries_not_kept')]) {
		add(byReason, String(r.signature_reason ?? 'unknown'), num(r.n));
		add(byProvider, String(r.provider), num(r.n));
	}
	const notKept = rows('refused_deliveries_not_kept').reduce((n, r) => n + num(r.n), 0);
	const unprocessed = rows('unprocessed_deliveries')[0] ?? {};
	return {
		paidWithoutAccess: {
			count: num(unmatchedPaid.n) + num(undelivered.n),
			oldestAgeMs: paidOldest.length ? age(now, Math.min(...paidOldest)) : null,
			undelivered: num(undelivered.n),
			unmatched: num(unmatchedPaid.n),
		},
		outbox: outbox.outbox,
		deadLetters: { count: sum(outbox.deadByKind), byKind: outbox.deadByKind },
		held: { count: sum(outbox.heldByKind), byKind: outbox.heldByKind, killSwitch: killSwitchOf(rows) },
		refusedDeliveries: { count: sum(byReason), byReason, byProvider, notKept },
		unprocessedDeliveries: { count: num(unprocessed.n), oldestAgeMs: age(now, maybeTime(unprocessed.oldest)) },
	};
}

function vendorSyncOf(rows: SignalRows, failures: MonitorSignals['vendorSync']['failures']): MonitorSignals['vendorSync'] {
	const sync = { esp: { contacts: 0, synced: 0, percent: null as number | null }, crm: { contacts: 0, synced: 0, percent: null as number | null } };
	for (const r of rows('vendor_sync')) {
		const target = r.kind === 'esp_sync' ? sync.esp : sync.crm;
		target.contacts = num(r.contacts);
		target.synced = target.contacts - num(r.waiting);
		target.percent = percent(target.synced, target.contacts);
	}
	return { ...sync, failures };
}

/** Computes the signals for one window (no writes). */
export async function computeSignals(db: SqlExecutor | Store, input: SignalsInput): Promise<MonitorSignals> {
	validateWindow(input);
	const { launch, from, to, now } = input;
	const results = await runStatements(db, signalStatements({ ...input, dialect: db.dialect }));
	const rows: SignalRows = (name) => results.get(name) ?? [];
	const ms = to - from;
	const ingestion = ingestionOf(rows, ms);
	const outbox = outboxOf(rows, now);
	return {
		launch,
		window: { from, to, ms },
		measuredAt: now,
		liveSince: input.liveAt ?? maybeTime(rows('first_signup')[0]?.created_at),
		ingestion,
		utm: utmOf(rows, ingestion.refusedByReason),
		reconciliation: reconciliationOf(rows),
		delivery: deliveryOf(rows, now, outbox),
		vendorSync: vendorSyncOf(rows, outbox.failures),
		review: reviewOf(rows),
		signIn: signInOf(rows),
	};
}
