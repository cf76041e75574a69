import { LedgerInputError } from '../errors';
import { recordEvent } from '../events';
import { DEFAULT_ALERT_SETTINGS, validateAlertSettings, type AlertSettings, type AlertSettingsPatch } from './alerts';
import type { SqlExecutor } from '../store';

export type CanonicalKey = 'email' | 'phone' | 'customer_id';
export type MergePolicy = 'fill-empty' | 'first-wins' | 'last-wins' | 'never' | 'union';
export type UnknownTagPolicy = 'reject' | 'quarantine' | 'allow';

export const MERGE_POLICIES: readonly MergePolicy[] = ['fill-empty', 'first-wins', 'last-wins', 'never', 'union'];
const CANONICAL_KEYS: readonly CanonicalKey[] = ['email', 'phone', 'customer_id'];
const UNKNOWN_TAG_POLICIES: readonly UnknownTagPolicy[] = ['reject', 'quarantine', 'allow'];

/**
 * Everything a launch can configure. To add a setting: add the field here, its default to
 * DEFAULT_LAUNCH_SETTINGS and its check to SETTING_VALIDATORS. Stored JSON holds only what was set,
 * so a new default reaches existing launches without a data migration.
 */
export interface LaunchSettings {
	/** Which identifier decides "same person" on upsert. */
	canonicalKey: CanonicalKey;
	/** ISO 3166 country used for phone numbers typed without +country code. */
	defaultCountry: string;
	/** Treat Gmail dots and +tags as the same mailbox (a.b+x@gmail.com = ab@gmail.com). Opt-in. */
	gmailNormalization: boolean;
	/** Most identifiers of a kind one contact may hold; more goes to review. Unlisted kinds: no limit. */
	identifierLimits: Record<string, number>;
	/** How an incoming profile value meets a stored one. `fields` overrides `default` per field. */
	mergePolicy: { default: MergePolicy; fields: Record<string, MergePolicy> };
	/** What happens to a tag that is not in the launch's registry. */
	unknownTagPolicy: UnknownTagPolicy;
	/** The launch monitor's window and alert rules (thresholds, reminders, digest); see settings/alerts.ts. */
	alerts: AlertSettings;
}

export const DEFAULT_LAUNCH_SETTINGS: LaunchSettings = {
	canonicalKey: 'email',
	defaultCountry: 'US',
	gmailNormalization: false,
	identifierLimits: { email: 5, phone: 3, customer_id: 1 },
	mergePolicy: { default: 'fill-empty', fields: {} },
	unknownTagPolicy: 'reject',
	alerts: DEFAULT_ALERT_SETTINGS,
};

export type LaunchSettingsPatch = {
	[K in keyof LaunchSettings]?: K extends 'alerts' ? AlertSettingsPatch : LaunchSettings[K] extends Record<string, unknown> ? Partial<LaunchSettings[K]> : LaunchSettings[K];
};

function oneOf<T extends string>(allowed: readonly T[]) {
	return (field: string, value: unknown): T => {
		if (typeof value !== 'string' || !allowed.includes(value as T)) {
			throw new LedgerInputError(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got ${JSON.stringify(value)}`);
		}
		return value as T;
	};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const mergePolicyValue = oneOf(MERGE_POLICIES);

/** Each validator gets the patch value and the current settings and returns the new value. */
const SETTING_VALIDATORS: { [K in keyof LaunchSettings]: (value: unknown, current: LaunchSettings) => LaunchSettings[K] } = {
	canonicalKey: (v) => oneOf(CANONICAL_KEYS)('settings.canonicalKey', v),
	defaultCountry: (v) => {
		if (typeof v !== 'string' || !/^[A-Za-z]{2}$/.test(v.trim())) {
			throw new LedgerInputError('settings.defaultCountry', `must be a two-letter country code such as "US" or "DE"; got ${JSON.stringify(v)}`);
		}
		return v.trim().toUpperCase();
	},
	gmailNormalization: (v) => {
		if (typeof v !== 'boolean') throw new LedgerInputError('settings.gmailNormalization', 'must be true or false');
		return v;
	},
	identifierLimits: (v, current) => {
		if (!isPlainObject(v)) throw new LedgerInputError('settings.identifierLimits', 'must be an object such as {"email": 5, "phone": 3}');
		const limits = { ...current.identifierLimits };
		for (const [kind, limit] of Object.entries(v)) {
			if (!Number.isInteger(limit) || (limit as number) < 1) {
				throw new LedgerInputError(`settings.identifierLimits.${kind}`, `must be a whole number of at least 1; got ${JSON.stringify(limit)}`);
			}
			limits[kind] = limit as number;
		}
		return limits;
	},
	mergePolicy: (v, current) => {
		if (!isPlainObject(v)) {
			throw new LedgerInputError('settings.mergePolicy', 'must be an object such as {"default": "fill-empty", "fields": {"first_name": "last-wins"}}');
		}
		const next = { default: current.mergePolicy.default, fields: { ...current.mergePolicy.fields } };
		if (v.default !== undefined) next.default = mergePolicyValue('settings.mergePolicy.default', v.default);
		if (v.fields !== undefined) {
			if (!isPlainObject(v.fields)) throw new LedgerInputError('settings.mergePolicy.fields', 'must map field names to policies');
			for (const [field, policy] of Object.entries(v.fields)) {
				next.fields[field] = mergePolicyValue(`settings.mergePolicy.fields.${field}`, policy);
			}
		}
		return next;
	},
	unknownTagPolicy: (v) => oneOf(UNKNOWN_TAG_POLICIES)('settings.unknownTagPolicy', v),
	alerts: (v, current) => validateAlertSettings(v, current.alerts),
};

function withDefaults(stored: Record<string, unknown>): LaunchSettings {
	const settings = structuredClone(DEFAULT_LAUNCH_SETTINGS);
	// Stored values were validated on write; nested objects are merged so new default keys appear.
	for (const key of Object.keys(SETTING_VALIDATORS) as (keyof LaunchSettings)[]) {
		if (stored[key] === undefined) continue;
		(settings as unknown as Record<string, unknown>)[key] = SETTING_VALIDATORS[key](stored[key], settings);
	}
	return settings;
}

export async function getLaunchSettings(tx: SqlExecutor, launch: string): Promise<LaunchSettings> {
	const [row] = await tx.query<{ data: string }>('SELECT data FROM settings WHERE launch = $1', [launch]);
	return withDefaults(row ? (JSON.parse(row.data) as Record<string, unknown>) : {});
}

/**
 * Parsed settings by their stored JSON text. This caches only the parsing (a pure function of the
 * text), never the data: callers read the row from the database every time, so a change made by
 * another process is seen on the very next call. Small and bounded: a ledger has a few launches.
 */
const parsedSettings = new Map<string, Readonly<LaunchSettings>>();
const PARSED_SETTINGS_LIMIT = 64;

/**
 * The settings a stored row holds (`data` null: none set, all defaults). The result is shared
 * between callers and frozen; clone it before changing anything.
 */
export function settingsFromData(data: string | null): Readonly<LaunchSettings> {
	const key = data ?? '';
	let settings = parsedSettings.get(key);
	if (!settings) {
		settings = deepFreeze(withDefaults(data ? (JSON.parse(data) as Record<string, unknown>) : {}));
		if (parsedSettings.size >= PARSED_SETTINGS_LIMIT) parsedSettings.delete(parsedSettings.keys().next().value!);
		parsedSettings.set(key, settings);
	}
	return settings;
}

function deepFreeze<T>(value: T): T {
	if (value && typeof value === 'object') {
		for (const inner of Object.values(value)) deepFreeze(inner);
		Object.freeze(value);
	}
	return value;
}

/**
 * Validates and stores a partial change; nested objects (limits, merge policy) are merged, not
 * replaced. Records a `settings.updated` event with before and after.
 */
export async function updateLaunchSettings(
	tx: SqlExecutor,
	launch: string,
	patch: LaunchSettingsPatch | Record<string, unknown>,
	options: { source?: string } = {},
): Promise<LaunchSettings> {
	if (!isPlainObject(patch)) throw new LedgerInputError('settings', 'must be an object');
	const lock = tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
	const [row] = await tx.query<{ data: string }>(`SELECT data FROM settings WHERE launch = $1${lock}`, [launch]);
	const stored = row ? (JSON.parse(row.data) as Record<string, unknown>) : {};
	const before = withDefaults(stored);
	const after = structuredClone(before);
	for (const [key, value] of Object.entries(patch)) {
		if (value === undefined) continue;
		if (!(key in SETTING_VALIDATORS)) {
			throw new LedgerInputError(`settings.${key}`, `is not a launch setting; known settings: ${Object.keys(SETTING_VALIDATORS).join(', ')}`);
		}
		const k = key as keyof LaunchSettings;
		const next = SETTING_VALIDATORS[k](value, after);
		(after as unknown as Record<string, unknown>)[k] = next;
		stored[k] = next;
	}
	const now = Date.now();
	await tx.execute(
		`INSERT INTO settings (launch, data, updated_at) VALUES ($1, $2, $3)
		 ON CONFLICT (launch) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		[launch, JSON.stringify(stored), now],
	);
	const changes: Record<string, { before: unknown; after: unknown }> = {};
	for (const key of Object.keys(after) as (keyof LaunchSettings)[]) {
		if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = { before: before[key], after: after[key] };
	}
	if (Object.keys(changes).length > 0) {
		await recordEvent(tx, { launch, contactId: null, type: 'settings.updated', source: options.source, data: { changes }, at: now });
	}
	return after;
}

/** The merge policy for one profile field. */
export function policyFor(settings: LaunchSettings, field: string): MergePolicy {
	return settings.mergePolicy.fields[field] ?? settings.mergePolicy.default;
}
