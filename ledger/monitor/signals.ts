import { LedgerInputError } from '../errors';
import type { SqlExecutor, Store } from '../store';
import { maybeTime, num, percent } from './sql';
import { signalStatements, type SignalsInput, type SignalStatement } from './statements';

export { signalStatements, UNPROCESSED_AFTER_MS, type SignalsInput, type SignalStatement } from './statements';

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
		/**
		 * ESP syncs waiting for an email now (phone-first contacts; they go out when one is linked). Not
		 * failures: a count to watch. Absent from snapshots kept before it was counted.
		 */
		waitingForEmail: number;
	};
	review: { open: number; byKind: CountByKind };
	/**
	 * Abuse signals at capture: contacts flagged in the window (and flags by signal), contacts whose
	 * flags wait for a person now, sync entries held for that review now. Absent from snapshots kept
	 * before it was counted.
	 */
	abuse?: { flaggedSignups: number; bySignal: CountByKind; openNow: number; heldForReview: number };
	/**
	 * Referrals: signups in the window that came through someone's link (a referral recorded), by
	 * what their credit is now (credited, withheld, refused as self-referral); credits withheld now
	 * (unconfirmed or flagged signups: pending for their referrers). Absent from snapshots kept before
	 * it was counted.
	 */
	referrals?: { referredSignups: number; byStatus: CountByKind; withheldNow: number };
	/** Wrong passwords on the pack's pages (kill switch, dashboard) in the window, by page; addresses made to wait now. */
	signIn: { failures: number; byPage: CountByKind; blockedNow: number };
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

function abuseOf(rows: SignalRows, flaggedByKind: CountByKind): NonNullable<MonitorSignals['abuse']> {
	const bySignal: CountByKind = {};
	for (const r of rows('flagged_signups')) add(bySignal, String(r.signal), num(r.n));
	return { flaggedSignups: num(rows('flagged_contacts')[0]?.n), bySignal, openNow: num(rows('flagged_open')[0]?.n), heldForReview: sum(flaggedByKind) };
}

function referralsOf(rows: SignalRows): NonNullable<MonitorSignals['referrals']> {
	const byStatus: CountByKind = {};
	for (const r of rows('referral_signups')) add(byStatus, String(r.status), num(r.n));
	return { referredSignups: sum(byStatus), byStatus, withheldNow: num(rows('referral_withheld')[0]?.n) };
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
	const waitingByKind: CountByKind = {};
	const flaggedByKind: CountByKind = {};
	const failures: MonitorSignals['vendorSync']['failures'] = {};
	let openOldest: number | null = null;
	for (const r of rows('outbox_backlog')) {
		const kind = String(r.kind);
		const status = String(r.status);
		const n = num(r.n);
		const oldest = maybeTime(r.oldest);
		if (status === 'dead') add(deadByKind, kind, n);
		else if (status === 'held') add(heldByKind, kind, n);
		else if (status === 'waiting') add(waitingByKind, kind, n);
		else if (status === 'flagged') add(flaggedByKind, kind, n);
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
	return { outbox: { open, oldestAgeMs: age(now, openOldest), byKind }, deadByKind, heldByKind, waitingByKind, flaggedByKind, failures };
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

function vendorSyncOf(rows: SignalRows, failures: MonitorSignals['vendorSync']['failures'], waitingByKind: CountByKind): MonitorSignals['vendorSync'] {
	const sync = { esp: { contacts: 0, synced: 0, percent: null as number | null }, crm: { contacts: 0, synced: 0, percent: null as number | null } };
	for (const r of rows('vendor_sync')) {
		const target = r.kind === 'esp_sync' ? sync.esp : sync.crm;
		target.contacts = num(r.contacts);
		target.synced = target.contacts - num(r.waiting);
		target.percent = percent(target.synced, target.contacts);
	}
	return { ...sync, failures, waitingForEmail: waitingByKind.esp_sync ?? 0 };
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
		vendorSync: vendorSyncOf(rows, outbox.failures, outbox.waitingByKind),
		review: reviewOf(rows),
		abuse: abuseOf(rows, outbox.flaggedByKind),
		referrals: referralsOf(rows),
		signIn: signInOf(rows),
	};
}
