import { LedgerInputError } from '../errors';
import type { SqlExecutor, Store } from '../store';
import { alertSettingsFromData, type AlertSettings } from '../settings/alerts';
import { computeSignals, type MonitorSignals } from './signals';

/**
 * Snapshots: each computed window is a row of monitor_snapshots, so trends survive restarts and
 * every n8n worker sees the same history. Windows are aligned to multiples of their length (a
 * five-minute window ends at :00, :05 …), which makes "the same window" the same key for every
 * worker: the second one to take it finds the row, or its insert does nothing (primary key).
 * Window rows are kept 7 days (pruned on write); hourly rows for the launch's life.
 */

export const HOUR_MS = 3_600_000;
export const WINDOW_RETENTION_MS = 7 * 24 * HOUR_MS;

export interface SnapshotRecord {
	launch: string;
	/** 'hour' for the hourly rows, 'window' for rows of the launch's window length. */
	resolution: 'window' | 'hour';
	windowMs: number;
	windowStart: number;
	windowEnd: number;
	/** When it was computed: the point-in-time values (backlog, ages) are as at this time. */
	measuredAt: number;
	/** Accepted signups (new people + repeats) in the window. */
	signups: number;
	signals: MonitorSignals;
}

type SnapshotRow = { launch: string; window_ms: number; window_start: number; window_end: number; measured_at: number; signups: number; signals: string };

function toRecord(r: SnapshotRow): SnapshotRecord {
	const windowMs = Number(r.window_ms);
	return {
		launch: r.launch,
		resolution: windowMs === HOUR_MS ? 'hour' : 'window',
		windowMs,
		windowStart: Number(r.window_start),
		windowEnd: Number(r.window_end),
		measuredAt: Number(r.measured_at),
		signups: Number(r.signups),
		signals: JSON.parse(r.signals) as MonitorSignals,
	};
}

export function validateLaunch(launch: unknown): string {
	if (typeof launch !== 'string' || launch.trim() === '') throw new LedgerInputError('launch', 'is required, e.g. "default"');
	return launch.trim();
}

export function validateNow(now: unknown): number {
	if (now === undefined) return Date.now();
	if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) throw new LedgerInputError('now', `must be a time in epoch milliseconds; got ${JSON.stringify(now)}`);
	return now;
}

/** The launch's alert settings, read from its settings row on every call (another process may have changed them). */
export async function readAlertSettings(tx: SqlExecutor, launch: string): Promise<AlertSettings> {
	const [row] = await tx.query<{ data: string }>('SELECT data FROM settings WHERE launch = $1', [launch]);
	return alertSettingsFromData(row?.data ?? null);
}

/** The last complete window of `ms` before `now`: [end − ms, end), end a multiple of ms. */
export function alignedWindow(now: number, ms: number): { from: number; to: number } {
	const to = Math.floor(now / ms) * ms;
	return { from: to - ms, to };
}

async function findSnapshot(tx: SqlExecutor, launch: string, ms: number, start: number): Promise<SnapshotRecord | null> {
	const [row] = await tx.query<SnapshotRow>(
		'SELECT launch, window_ms, window_start, window_end, measured_at, signups, signals FROM monitor_snapshots WHERE launch = $1 AND window_ms = $2 AND window_start = $3',
		[launch, ms, start],
	);
	return row ? toRecord(row) : null;
}

/** Computes and keeps one window, unless it is kept already; returns the kept row and whether this call wrote it. */
async function keepWindow(tx: SqlExecutor | Store, launch: string, settings: AlertSettings, window: { from: number; to: number }, now: number): Promise<{ snapshot: SnapshotRecord; created: boolean }> {
	const ms = window.to - window.from;
	const existing = await findSnapshot(tx, launch, ms, window.from);
	if (existing) return { snapshot: existing, created: false };
	const signals = await computeSignals(tx, { launch, from: window.from, to: window.to, now, paidMediums: settings.paidMediums, liveAt: settings.liveAt });
	const inserted = await tx.execute(
		`INSERT INTO monitor_snapshots (launch, window_ms, window_start, window_end, measured_at, signups, signals) VALUES ($1, $2, $3, $4, $5, $6, $7)
		 ON CONFLICT (launch, window_ms, window_start) DO NOTHING`,
		[launch, ms, window.from, window.to, now, signals.ingestion.accepted, JSON.stringify(signals)],
	);
	if (inserted === 0) {
		// Another worker kept this window between our read and our insert: its row is the one.
		return { snapshot: (await findSnapshot(tx, launch, ms, window.from))!, created: false };
	}
	return { snapshot: (await findSnapshot(tx, launch, ms, window.from))!, created: true };
}

export interface TakeSnapshotResult {
	/** The last complete window before `now`, at the launch's window length. */
	snapshot: SnapshotRecord;
	/** false when another call (another worker) had already kept this window: its row is returned. */
	created: boolean;
	/** The last complete hour, kept alongside (computed by the first snapshot after the hour ends). */
	hourly: SnapshotRecord;
}

/**
 * Keeps the last complete window before `now` (and the last complete hour), and prunes window rows
 * older than 7 days. Safe to call from several workers at once: each window is kept once.
 */
export async function takeSnapshot(tx: SqlExecutor | Store, input: { launch: string; now?: number; settings?: AlertSettings }): Promise<TakeSnapshotResult> {
	const launch = validateLaunch(input.launch);
	const now = validateNow(input.now);
	const settings = input.settings ?? (await readAlertSettings(tx, launch));
	const ms = settings.windowSeconds * 1000;
	const window = await keepWindow(tx, launch, settings, alignedWindow(now, ms), now);
	const hourly = ms === HOUR_MS ? window : await keepWindow(tx, launch, settings, alignedWindow(now, HOUR_MS), now);
	if (window.created) {
		await tx.execute('DELETE FROM monitor_snapshots WHERE launch = $1 AND window_ms <> $2 AND window_start < $3', [launch, HOUR_MS, now - WINDOW_RETENTION_MS]);
	}
	return { snapshot: window.snapshot, created: window.created, hourly: hourly.snapshot };
}

/** The kept windows of `windowMs` that start before `before` (the judged window's start), newest first: the ingestion baseline. */
export async function previousSnapshots(tx: SqlExecutor, launch: string, windowMs: number, before: number, count: number): Promise<SnapshotRecord[]> {
	const rows = await tx.query<SnapshotRow>(
		`SELECT launch, window_ms, window_start, window_end, measured_at, signups, signals FROM monitor_snapshots
		 WHERE launch = $1 AND window_ms = $2 AND window_start < $3 AND window_start >= $4 ORDER BY window_start DESC LIMIT $5`,
		// Only from the 2 × count windows right before: a long gap (no worker ran) is not bridged by older windows.
		[launch, windowMs, before, before - 2 * count * windowMs, count],
	);
	return rows.map(toRecord);
}

export interface HistoryInput {
	launch: string;
	/** 'window' (default): rows of the launch's window length; 'hour': the hourly rows. */
	resolution?: 'window' | 'hour';
	/** Window starts from (inclusive), epoch ms; default 24 h before `to`. */
	from?: number;
	/** Window ends up to (inclusive), epoch ms; default now. */
	to?: number;
	now?: number;
}

const MAX_HISTORY_ROWS = 5000;

/** Kept snapshots in time order, e.g. the last 24 h for sparklines. */
export async function snapshotHistory(tx: SqlExecutor, input: HistoryInput): Promise<SnapshotRecord[]> {
	const launch = validateLaunch(input.launch);
	const now = validateNow(input.now);
	const resolution = input.resolution ?? 'window';
	if (resolution !== 'window' && resolution !== 'hour') throw new LedgerInputError('resolution', `must be "window" or "hour"; got ${JSON.stringify(resolution)}`);
	const to = input.to === undefined ? now : validateNow(input.to);
	const from = input.from === undefined ? to - 24 * HOUR_MS : validateNow(input.from);
	const ms = resolution === 'hour' ? HOUR_MS : (await readAlertSettings(tx, launch)).windowSeconds * 1000;
	const rows = await tx.query<SnapshotRow>(
		`SELECT launch, window_ms, window_start, window_end, measured_at, signups, signals FROM monitor_snapshots
		 WHERE launch = $1 AND window_ms = $2 AND window_start >= $3 AND window_start <= $4 ORDER BY window_start LIMIT $5`,
		[launch, ms, from, to - ms, MAX_HISTORY_ROWS],
	);
	return rows.map(toRecord);
}
