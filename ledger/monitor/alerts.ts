import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import type { SqlExecutor, SqlValue, Store } from '../store';
import { ALERT_RULE_IDS, type AlertRuleId, type AlertSettings } from '../settings/alerts';
import { advanceAlert, ALERT_RULES, initialState, judgeRule, type AlertState, type AnnouncementKind, type PlannedAnnouncement, type Severity, type Verdict } from './rules';
import { HOUR_MS, previousSnapshots, readAlertSettings, snapshotHistory, takeSnapshot, validateLaunch, validateNow, type SnapshotRecord } from './snapshots';

/**
 * Alert evaluation and the person's controls (acknowledge, silence). Evaluation locks the launch's
 * alert rows (PostgreSQL: FOR UPDATE; SQLite: the write lock of BEGIN IMMEDIATE), so two workers
 * evaluating at the same moment run one after the other and the second finds the change already
 * made; every announcement is also a row unique per (launch, dedupe key), so it is returned to
 * exactly one caller even if the locking were bypassed.
 */

/** An alert as a person sees it: its state with the rule's title, severity and advice. */
export interface AlertStatus extends AlertState {
	title: string;
	severity: Severity;
	advice: string;
}

/** One message to send: what, how bad, since when, and what to do first. */
export interface AlertItem {
	kind: AnnouncementKind;
	launch: string;
	rule: AlertRuleId;
	title: string;
	severity: Severity;
	/** When the alert started firing (for `resolved`: when the episode that ended started). */
	since: number;
	/** `resolved`: when it was found resolved. */
	resolvedAt: number | null;
	/** The evaluation that made this announcement. */
	at: number;
	/** How long it has fired (until `resolvedAt` for a resolved one). */
	firingForMs: number;
	episode: number;
	value: number | null;
	threshold: number | null;
	unit: string;
	summary: string;
	advice: string;
	acknowledged: AlertState['acknowledged'];
	silencedUntil: number | null;
}

/** The optional daily message: "all clear", or what is firing — so silence can be told apart from a muted channel. */
export interface DigestItem {
	kind: 'digest';
	launch: string;
	at: number;
	/** UTC date, YYYY-MM-DD. */
	day: string;
	allClear: boolean;
	firing: Array<Pick<AlertItem, 'rule' | 'title' | 'severity' | 'since' | 'summary'>>;
	/** Totals of the hourly snapshots of the last 24 hours. */
	last24h: { hours: number; signups: number; newPeople: number; refusedSignups: number; purchases: number; matchedPurchases: number };
}

export interface EvaluationResult {
	launch: string;
	at: number;
	/** The window the rules judged. */
	snapshot: SnapshotRecord;
	fired: AlertItem[];
	resolved: AlertItem[];
	reminders: AlertItem[];
	digest: DigestItem | null;
	/** Every rule's state after this evaluation. */
	alerts: AlertStatus[];
}

type AlertRow = {
	launch: string;
	rule: string;
	state: string;
	episode: number;
	since: number | null;
	last_window_end: number | null;
	clear_streak: number;
	detail: string;
	announced: number;
	last_announced_at: number | null;
	reminders: number;
	acked_at: number | null;
	acked_by: string | null;
	ack_note: string | null;
	silenced_until: number | null;
	silenced_by: string | null;
	silence_reason: string | null;
	updated_at: number;
};

const COLUMNS =
	'launch, rule, state, episode, since, last_window_end, clear_streak, detail, announced, last_announced_at, reminders, acked_at, acked_by, ack_note, silenced_until, silenced_by, silence_reason, updated_at';

const time = (v: number | null) => (v === null ? null : Number(v));

function toState(r: AlertRow): AlertState {
	const detail = JSON.parse(r.detail) as Partial<Verdict>;
	return {
		launch: r.launch,
		rule: r.rule as AlertRuleId,
		state: r.state === 'firing' ? 'firing' : 'ok',
		episode: Number(r.episode),
		since: time(r.since),
		lastWindowEnd: time(r.last_window_end),
		clearStreak: Number(r.clear_streak),
		detail: detail.outcome ? (detail as Verdict) : null,
		announced: Number(r.announced) === 1,
		lastAnnouncedAt: time(r.last_announced_at),
		reminders: Number(r.reminders),
		acknowledged: r.acked_at === null ? null : { at: Number(r.acked_at), by: r.acked_by ?? '', note: r.ack_note },
		silenced: r.silenced_until === null ? null : { until: Number(r.silenced_until), by: r.silenced_by ?? '', reason: r.silence_reason },
		updatedAt: Number(r.updated_at),
	};
}

function withInfo(state: AlertState): AlertStatus {
	return { ...state, ...ALERT_RULES[state.rule] };
}

function validateRule(rule: unknown, options: { allowAll?: boolean } = {}): AlertRuleId | 'all' {
	if (options.allowAll && rule === 'all') return 'all';
	if (typeof rule !== 'string' || !(ALERT_RULE_IDS as readonly string[]).includes(rule)) {
		throw new LedgerInputError('rule', `must be one of ${ALERT_RULE_IDS.join(', ')}${options.allowAll ? ', all' : ''}; got ${JSON.stringify(rule)}`);
	}
	return rule as AlertRuleId;
}

function requiredText(value: unknown, field: string, example: string, max = 500): string {
	if (typeof value !== 'string' || value.trim() === '') throw new LedgerInputError(field, `is required, e.g. ${example}`);
	if (value.length > max) throw new LedgerInputError(field, `is longer than ${max} characters`);
	return value.trim();
}

function optionalText(value: unknown, field: string, max = 2000): string | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value !== 'string') throw new LedgerInputError(field, 'must be text');
	if (value.length > max) throw new LedgerInputError(field, `is longer than ${max} characters`);
	return value.trim() || null;
}

/** Makes sure the launch has a row per rule, then reads them all, locked (in rule order, so two lockers cannot deadlock). */
async function lockAlertRows(tx: SqlExecutor, launch: string, now: number): Promise<Map<AlertRuleId, AlertState>> {
	const params: SqlValue[] = [launch, now];
	const values = ALERT_RULE_IDS.map((rule) => {
		params.push(rule);
		return `($1, $${params.length}, $2)`;
	});
	await tx.execute(`INSERT INTO monitor_alerts (launch, rule, updated_at) VALUES ${values.join(', ')} ON CONFLICT (launch, rule) DO NOTHING`, params);
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const rows = await tx.query<AlertRow>(`SELECT ${COLUMNS} FROM monitor_alerts WHERE launch = $1 ORDER BY rule${lock}`, [launch]);
	const states = new Map<AlertRuleId, AlertState>();
	for (const row of rows) if ((ALERT_RULE_IDS as readonly string[]).includes(row.rule)) states.set(row.rule as AlertRuleId, toState(row));
	return states;
}

async function writeState(tx: SqlExecutor, s: AlertState): Promise<void> {
	await tx.execute(
		`UPDATE monitor_alerts SET state = $3, episode = $4, since = $5, last_window_end = $6, clear_streak = $7, detail = $8, announced = $9,
			last_announced_at = $10, reminders = $11, acked_at = $12, acked_by = $13, ack_note = $14, silenced_until = $15, silenced_by = $16,
			silence_reason = $17, updated_at = $18
		 WHERE launch = $1 AND rule = $2`,
		[
			s.launch,
			s.rule,
			s.state,
			s.episode,
			s.since,
			s.lastWindowEnd,
			s.clearStreak,
			JSON.stringify(s.detail ?? {}),
			s.announced ? 1 : 0,
			s.lastAnnouncedAt,
			s.reminders,
			s.acknowledged?.at ?? null,
			s.acknowledged?.by ?? null,
			s.acknowledged?.note ?? null,
			s.silenced?.until ?? null,
			s.silenced?.by ?? null,
			s.silenced?.reason ?? null,
			s.updatedAt,
		],
	);
}

/** Inserts an announcement unless one with its key exists; true when this call inserted it. */
async function insertAnnouncement(tx: SqlExecutor, launch: string, rule: string, kind: string, episode: number, dedupeKey: string, data: object, now: number): Promise<boolean> {
	const rows = await tx.query<{ id: number }>(
		`INSERT INTO monitor_announcements (launch, rule, kind, episode, dedupe_key, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		 ON CONFLICT (launch, dedupe_key) DO NOTHING RETURNING id`,
		[launch, rule, kind, episode, dedupeKey, JSON.stringify(data), now],
	);
	return rows.length === 1;
}

function itemOf(state: AlertState, planned: PlannedAnnouncement, now: number): AlertItem {
	const info = ALERT_RULES[state.rule];
	const detail = state.detail;
	return {
		kind: planned.kind,
		launch: state.launch,
		rule: state.rule,
		title: info.title,
		severity: info.severity,
		since: planned.since,
		resolvedAt: planned.resolvedAt,
		at: now,
		firingForMs: Math.max(0, (planned.resolvedAt ?? now) - planned.since),
		episode: state.episode,
		value: detail?.value ?? null,
		threshold: detail?.threshold ?? null,
		unit: detail?.unit ?? '',
		summary: detail?.summary ?? '',
		advice: info.advice,
		acknowledged: state.acknowledged,
		silencedUntil: state.silenced?.until ?? null,
	};
}

const utcDay = (at: number) => new Date(at).toISOString().slice(0, 10);

async function last24h(tx: SqlExecutor, launch: string, now: number): Promise<DigestItem['last24h']> {
	const hours = await snapshotHistory(tx, { launch, resolution: 'hour', from: now - 24 * HOUR_MS, to: now, now });
	const total = { hours: hours.length, signups: 0, newPeople: 0, refusedSignups: 0, purchases: 0, matchedPurchases: 0 };
	for (const h of hours) {
		total.signups += h.signups;
		total.newPeople += h.signals.ingestion.newPeople;
		total.refusedSignups += h.signals.ingestion.refused;
		total.purchases += h.signals.reconciliation.captured;
		total.matchedPurchases += h.signals.reconciliation.matched;
	}
	return total;
}

/**
 * Takes the snapshot of the last complete window (if no worker has), judges every rule on it and
 * returns what changed: alerts that fired, resolved, reminders due, and the daily digest when due.
 */
export async function evaluateAlerts(store: Store, input: { launch: string; now?: number }): Promise<EvaluationResult> {
	const launch = validateLaunch(input.launch);
	const now = validateNow(input.now);
	const settings: AlertSettings = await readAlertSettings(store, launch);
	const { snapshot } = await takeSnapshot(store, { launch, now, settings });
	const previous = await previousSnapshots(store, launch, snapshot.windowMs, snapshot.windowStart, settings.ingestionDrop.baselineWindows);
	const digestDue = settings.dailyDigestHourUtc !== null && now >= Math.floor(now / 86_400_000) * 86_400_000 + settings.dailyDigestHourUtc * HOUR_MS;
	const totals = digestDue ? await last24h(store, launch, now) : null;

	return store.transaction(async (tx) => {
		const states = await lockAlertRows(tx, launch, now);
		const result: EvaluationResult = { launch, at: now, snapshot, fired: [], resolved: [], reminders: [], digest: null, alerts: [] };
		for (const rule of ALERT_RULE_IDS) {
			const current = states.get(rule) ?? initialState(launch, rule, now);
			const verdict = judgeRule(rule, settings, snapshot, previous, current);
			const { next, announce } = advanceAlert(current, verdict, { windowEnd: snapshot.windowEnd, measuredAt: snapshot.measuredAt, now }, settings);
			await writeState(tx, next);
			states.set(rule, next);
			for (const planned of announce) {
				const item = itemOf(next, planned, now);
				if (!(await insertAnnouncement(tx, launch, rule, planned.kind, next.episode, planned.dedupeKey, item, now))) continue;
				(planned.kind === 'fired' ? result.fired : planned.kind === 'resolved' ? result.resolved : result.reminders).push(item);
			}
		}
		result.alerts = ALERT_RULE_IDS.map((rule) => withInfo(states.get(rule)!));
		if (digestDue && totals) {
			const firing = result.alerts.filter((a) => a.state === 'firing');
			const digest: DigestItem = {
				kind: 'digest',
				launch,
				at: now,
				day: utcDay(now),
				allClear: firing.length === 0,
				firing: firing.map((a) => ({ rule: a.rule, title: a.title, severity: a.severity, since: a.since ?? now, summary: a.detail?.summary ?? '' })),
				last24h: totals,
			};
			if (await insertAnnouncement(tx, launch, 'digest', 'digest', 0, `digest:${digest.day}`, digest, now)) result.digest = digest;
		}
		return result;
	});
}

/** Every rule's alert state (rules never evaluated show as ok). */
export async function listAlerts(tx: SqlExecutor, launchInput: string, now = Date.now()): Promise<AlertStatus[]> {
	const launch = validateLaunch(launchInput);
	const rows = await tx.query<AlertRow>(`SELECT ${COLUMNS} FROM monitor_alerts WHERE launch = $1`, [launch]);
	const byRule = new Map(rows.map((r) => [r.rule, toState(r)]));
	return ALERT_RULE_IDS.map((rule) => withInfo(byRule.get(rule) ?? initialState(launch, rule, now)));
}

/** A person has seen a firing alert: no more reminders for this episode (a new firing is announced again). */
export async function acknowledgeAlert(tx: SqlExecutor, input: { launch: string; rule: string; by: string; note?: string; now?: number }): Promise<AlertStatus> {
	const launch = validateLaunch(input.launch);
	const rule = validateRule(input.rule) as AlertRuleId;
	const by = requiredText(input.by, 'by', '"maya@example.com"', 200);
	const note = optionalText(input.note, 'note');
	const now = validateNow(input.now);
	const state = (await lockAlertRows(tx, launch, now)).get(rule)!;
	if (state.state !== 'firing') throw new LedgerInputError('rule', `"${rule}" is not firing in launch "${launch}"; only a firing alert can be acknowledged`);
	const next: AlertState = { ...state, acknowledged: { at: now, by, note }, updatedAt: now };
	await writeState(tx, next);
	await recordEvent(tx, { launch, contactId: null, type: 'monitor.alert_acknowledged', source: by, data: { rule, episode: state.episode, note }, at: now });
	return withInfo(next);
}

/**
 * No announcement for `rule` (or every rule: "all") until `until`. An alert that fires meanwhile
 * is announced when the silence ends, if it still fires; one that fired before and resolves
 * meanwhile is still announced as resolved (it closes what the person was told).
 */
export async function silenceAlerts(
	tx: SqlExecutor,
	input: { launch: string; rule: string; until: number | string; by: string; reason?: string; now?: number },
): Promise<AlertStatus[]> {
	const launch = validateLaunch(input.launch);
	const rule = validateRule(input.rule, { allowAll: true });
	const by = requiredText(input.by, 'by', '"maya@example.com"', 200);
	const reason = optionalText(input.reason, 'reason');
	const now = validateNow(input.now);
	const until = typeof input.until === 'string' ? Date.parse(input.until) : input.until;
	if (typeof until !== 'number' || !Number.isFinite(until) || until <= now) {
		throw new LedgerInputError('until', `must be a time after now (epoch milliseconds or an ISO date such as "2026-03-01T18:00:00Z"); got ${JSON.stringify(input.until)}`);
	}
	const states = await lockAlertRows(tx, launch, now);
	const changed: AlertStatus[] = [];
	for (const r of rule === 'all' ? ALERT_RULE_IDS : [rule]) {
		const next: AlertState = { ...states.get(r)!, silenced: { until, by, reason }, updatedAt: now };
		await writeState(tx, next);
		changed.push(withInfo(next));
	}
	await recordEvent(tx, { launch, contactId: null, type: 'monitor.alert_silenced', source: by, data: { rule, until, reason }, at: now });
	return changed;
}

/** Lifts a silence before its time. */
export async function unsilenceAlerts(tx: SqlExecutor, input: { launch: string; rule: string; by: string; now?: number }): Promise<AlertStatus[]> {
	const launch = validateLaunch(input.launch);
	const rule = validateRule(input.rule, { allowAll: true });
	const by = requiredText(input.by, 'by', '"maya@example.com"', 200);
	const now = validateNow(input.now);
	const states = await lockAlertRows(tx, launch, now);
	const changed: AlertStatus[] = [];
	for (const r of rule === 'all' ? ALERT_RULE_IDS : [rule]) {
		const next: AlertState = { ...states.get(r)!, silenced: null, updatedAt: now };
		await writeState(tx, next);
		changed.push(withInfo(next));
	}
	await recordEvent(tx, { launch, contactId: null, type: 'monitor.alert_unsilenced', source: by, data: { rule }, at: now });
	return changed;
}

export interface AnnouncementRecord {
	id: number;
	kind: AnnouncementKind | 'digest';
	rule: string;
	episode: number;
	createdAt: number;
	item: AlertItem | DigestItem;
}

/** Announcements made for a launch, newest first: the alert history. */
export async function listAnnouncements(tx: SqlExecutor, launchInput: string, options: { limit?: number; since?: number } = {}): Promise<AnnouncementRecord[]> {
	const launch = validateLaunch(launchInput);
	const limit = options.limit ?? 100;
	if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new LedgerInputError('limit', `must be a whole number from 1 to 1000; got ${JSON.stringify(options.limit)}`);
	const rows = await tx.query<{ id: number; kind: string; rule: string; episode: number; data: string; created_at: number }>(
		`SELECT id, kind, rule, episode, data, created_at FROM monitor_announcements WHERE launch = $1 AND created_at >= $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
		[launch, options.since ?? 0, limit],
	);
	return rows.map((r) => ({ id: Number(r.id), kind: r.kind as AnnouncementRecord['kind'], rule: r.rule, episode: Number(r.episode), createdAt: Number(r.created_at), item: JSON.parse(r.data) as AlertItem | DigestItem }));
}
