import { randomBytes } from 'node:crypto';

import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import type { SqlExecutor } from '../store';
import { modeOf, testLaunchOf, type ChecklistMode } from './steps';

export interface ChecklistRun {
	id: string;
	launch: string;
	mode: ChecklistMode;
	/** Where the run's ledger-only work lives (`<launch>--checklist-<id>`); Clean Up deletes it whole. */
	testLaunch: string;
	/** What the creator chose when starting (sources, steps …), as given. */
	settings: Record<string, unknown>;
	status: 'open' | 'cleaned';
	/**
	 * The secret half of the header the run's test signups carry (`X-Waitlist-Checklist: <id>.<key>`),
	 * so nobody else can send a signup into the test launch; null for runs made before it existed.
	 */
	routeKey: string | null;
	createdAt: number;
	updatedAt: number;
	cleanedAt: number | null;
}

export interface StartRunInput {
	launch: string;
	mode: ChecklistMode | string;
	settings?: Record<string, unknown>;
	source?: string;
	now?: number;
}

type RunRow = {
	id: string;
	launch: string;
	mode: string;
	test_launch: string;
	settings: string;
	status: string;
	created_at: number | string;
	updated_at: number | string;
	cleaned_at: number | string | null;
	route_key: string | null;
};

const RUN_COLUMNS = 'id, launch, mode, test_launch, settings, status, created_at, updated_at, cleaned_at, route_key';
const MAX_SETTINGS_CHARS = 20_000;

function runOf(row: RunRow): ChecklistRun {
	return {
		id: row.id,
		launch: row.launch,
		mode: row.mode as ChecklistMode,
		testLaunch: row.test_launch,
		settings: JSON.parse(row.settings) as Record<string, unknown>,
		status: row.status as ChecklistRun['status'],
		routeKey: row.route_key,
		createdAt: Number(row.created_at),
		updatedAt: Number(row.updated_at),
		cleanedAt: row.cleaned_at === null ? null : Number(row.cleaned_at),
	};
}

/** Lowercase letters and digits only: the id ends up in a launch name and in test email addresses. */
export const newRunId = (): string => `ck_${BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36)}`;

function settingsText(settings: unknown): string {
	if (settings === undefined) return '{}';
	if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new LedgerInputError('settings', 'must be an object, e.g. {"sources": [...]}');
	const text = JSON.stringify(settings);
	if (text.length > MAX_SETTINGS_CHARS) throw new LedgerInputError('settings', `is longer than ${MAX_SETTINGS_CHARS} characters as JSON`);
	return text;
}

export async function startRun(tx: SqlExecutor, input: StartRunInput): Promise<ChecklistRun> {
	const launch = requiredText(input.launch, 'launch', 150);
	if (launch.includes('--checklist-')) throw new LedgerInputError('launch', `"${launch}" is already a checklist's test launch; run the checklist for the real launch`);
	const mode = modeOf(input.mode);
	const settings = settingsText(input.settings);
	const now = input.now ?? Date.now();
	const id = newRunId();
	const [row] = await tx.query<RunRow>(
		`INSERT INTO checklist_runs (id, launch, mode, test_launch, settings, status, created_at, updated_at, route_key) VALUES ($1, $2, $3, $4, $5, 'open', $6, $6, $7)
		 RETURNING ${RUN_COLUMNS}`,
		[id, launch, mode, testLaunchOf(launch, id), settings, now, randomBytes(18).toString('base64url')],
	);
	await recordEvent(tx, { launch, contactId: null, type: 'checklist.started', source: input.source, data: { runId: id, mode }, at: now });
	return runOf(row!);
}

export async function getRun(tx: SqlExecutor, runId: string): Promise<ChecklistRun | null> {
	const [row] = await tx.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM checklist_runs WHERE id = $1`, [runId]);
	return row ? runOf(row) : null;
}

/** The run, or an error that says where a run id comes from. */
export async function requireRun(tx: SqlExecutor, runId: unknown, lock = false): Promise<ChecklistRun> {
	const id = requiredText(runId, 'runId', 100);
	const [row] = await tx.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM checklist_runs WHERE id = $1${lock && tx.dialect === 'postgres' ? ' FOR UPDATE' : ''}`, [id]);
	if (!row) throw new LedgerInputError('runId', `no checklist run has id "${id}"; start one with Run Step (without a Run ID) and use the runId it returns`);
	return runOf(row);
}

/** The newest run of a launch, cleaned or not. */
export async function latestRun(tx: SqlExecutor, launch: string): Promise<ChecklistRun | null> {
	const [row] = await tx.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM checklist_runs WHERE launch = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [launch]);
	return row ? runOf(row) : null;
}

export async function touchRun(tx: SqlExecutor, runId: string, now: number, cleaned = false): Promise<void> {
	await tx.execute(`UPDATE checklist_runs SET updated_at = $2${cleaned ? ", status = 'cleaned', cleaned_at = $2" : ''} WHERE id = $1`, [runId, now]);
}
