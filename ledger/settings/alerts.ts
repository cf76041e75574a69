import { LedgerInputError } from '../errors';

/**
 * The launch monitor's settings: the window every snapshot measures, and one block per alert rule.
 * They are part of the launch settings (`settings.alerts`, see ../settings.ts), so they are changed
 * the same way as every other launch setting — no code — and a change is recorded in the history.
 */

/** The alert rules, by the id an announcement carries. */
export const ALERT_RULE_IDS = ['ingestion_drop', 'reconciliation_low', 'utm_fidelity_low', 'paid_without_access', 'dead_letters', 'outbox_stuck', 'refused_deliveries', 'sign_in_failures'] as const;
export type AlertRuleId = (typeof ALERT_RULE_IDS)[number];

export interface IngestionDropSettings {
	enabled: boolean;
	/** Fires when a window's accepted signups are this many percent below the baseline (or more). */
	dropPercent: number;
	/** Resolves once signups are back within this many percent of the baseline kept from when it fired. */
	resolveDropPercent: number;
	/** The baseline: the average of this many previous windows of the same length. */
	baselineWindows: number;
	/** The rule is quiet while the baseline averages fewer signups per window than this. */
	minBaselineSignups: number;
}

export interface PercentRuleSettings {
	enabled: boolean;
	/** Fires below this percentage. */
	minPercent: number;
	/** Resolves at or above this percentage (≥ minPercent: the gap is the hysteresis). */
	resolvePercent: number;
}

export interface AlertSettings {
	/** Length of the window each snapshot measures and each rule judges, in seconds; divides an hour. */
	windowSeconds: number;
	/**
	 * When the launch went live (epoch ms). The ingestion-drop rule compares only windows after it.
	 * null: live from the first signup (the first window that starts after it).
	 */
	liveAt: number | null;
	/** A firing, unacknowledged alert is announced again after this many hours; 0 = never. */
	reminderHours: number;
	/** A firing alert resolves after this many consecutive windows in which its rule is satisfied. */
	resolveAfterWindows: number;
	/** UTC hour of a daily digest ("all clear", or what is firing); null = no digest. */
	dailyDigestHourUtc: number | null;
	/** utm_medium values that mean paid traffic (the capture trigger's default list). */
	paidMediums: string[];
	ingestionDrop: IngestionDropSettings;
	reconciliation: PercentRuleSettings & { minPurchases: number };
	utmFidelity: PercentRuleSettings & { minSignups: number };
	paidWithoutAccess: { enabled: boolean; maxAgeMinutes: number };
	deadLetters: { enabled: boolean; maxCount: number };
	outboxPending: { enabled: boolean; maxAgeMinutes: number };
	refusedDeliveries: { enabled: boolean; maxCount: number };
	/** Wrong passwords on the pack's pages (kill switch, dashboard) allowed per window. */
	signInFailures: { enabled: boolean; maxCount: number };
}

/** A change to alert settings: any key, rule blocks partially. */
export type AlertSettingsPatch = {
	[K in keyof AlertSettings]?: AlertSettings[K] extends { enabled: boolean } ? Partial<AlertSettings[K]> : AlertSettings[K] | string;
};

/** The same list as the capture trigger's default paid mediums (ledger/capture.ts DEFAULT_PAID_MEDIUMS; a unit test keeps them equal). */
const PAID_MEDIUMS = ['cpc', 'ppc', 'paid', 'paid_social', 'paidsocial', 'paid-social', 'paid_search', 'display', 'cpm', 'cpv'];

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
	windowSeconds: 300,
	liveAt: null,
	reminderHours: 4,
	resolveAfterWindows: 2,
	dailyDigestHourUtc: null,
	paidMediums: PAID_MEDIUMS,
	ingestionDrop: { enabled: true, dropPercent: 50, resolveDropPercent: 30, baselineWindows: 6, minBaselineSignups: 10 },
	reconciliation: { enabled: true, minPercent: 90, resolvePercent: 95, minPurchases: 5 },
	utmFidelity: { enabled: true, minPercent: 80, resolvePercent: 85, minSignups: 5 },
	paidWithoutAccess: { enabled: true, maxAgeMinutes: 15 },
	deadLetters: { enabled: true, maxCount: 0 },
	outboxPending: { enabled: true, maxAgeMinutes: 30 },
	refusedDeliveries: { enabled: true, maxCount: 0 },
	// A person mistyping a few times stays under it; a guesser reaches it within a minute even throttled.
	signInFailures: { enabled: true, maxCount: 10 },
};

/** The settings block of each rule. */
export const RULE_SETTINGS_KEY: Record<AlertRuleId, 'ingestionDrop' | 'reconciliation' | 'utmFidelity' | 'paidWithoutAccess' | 'deadLetters' | 'outboxPending' | 'refusedDeliveries' | 'signInFailures'> = {
	ingestion_drop: 'ingestionDrop',
	reconciliation_low: 'reconciliation',
	utm_fidelity_low: 'utmFidelity',
	paid_without_access: 'paidWithoutAccess',
	dead_letters: 'deadLetters',
	outbox_stuck: 'outboxPending',
	refused_deliveries: 'refusedDeliveries',
	sign_in_failures: 'signInFailures',
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number from a setting ("5" from an expression counts as 5). */
function numberIn(field: string, value: unknown, min: number, max: number, options: { integer?: boolean; example?: string } = {}): number {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	const kind = options.integer ? 'a whole number' : 'a number';
	if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max || (options.integer && !Number.isInteger(n))) {
		throw new LedgerInputError(field, `must be ${kind} from ${min} to ${max}${options.example ? `, e.g. ${options.example}` : ''}; got ${JSON.stringify(value)}`);
	}
	return n;
}

function booleanValue(field: string, value: unknown): boolean {
	if (typeof value === 'boolean') return value;
	if (value === 'true' || value === 'false') return value === 'true';
	throw new LedgerInputError(field, `must be true or false; got ${JSON.stringify(value)}`);
}

function timeValue(field: string, value: unknown): number | null {
	if (value === null || value === '') return null;
	const at = typeof value === 'string' ? (/^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value)) : value;
	if (typeof at !== 'number' || !Number.isFinite(at) || at < 0) {
		throw new LedgerInputError(field, `must be a time (epoch milliseconds or an ISO date such as "2026-03-01T09:00:00Z"), or null for "live from the first signup"; got ${JSON.stringify(value)}`);
	}
	return at;
}

type RuleBlock = Record<string, unknown> & { enabled: boolean };
type Check = (field: string, value: unknown) => unknown;

/** Per rule block: each key's check. `enabled` is common to all. */
const RULE_FIELDS: Record<string, Record<string, Check>> = {
	ingestionDrop: {
		dropPercent: (f, v) => numberIn(f, v, 1, 100, { example: '50' }),
		resolveDropPercent: (f, v) => numberIn(f, v, 0, 99, { example: '30' }),
		baselineWindows: (f, v) => numberIn(f, v, 1, 288, { integer: true, example: '6' }),
		minBaselineSignups: (f, v) => numberIn(f, v, 0, 1_000_000, { example: '10' }),
	},
	reconciliation: {
		minPercent: (f, v) => numberIn(f, v, 0, 100, { example: '90' }),
		resolvePercent: (f, v) => numberIn(f, v, 0, 100, { example: '95' }),
		minPurchases: (f, v) => numberIn(f, v, 1, 1_000_000, { integer: true, example: '5' }),
	},
	utmFidelity: {
		minPercent: (f, v) => numberIn(f, v, 0, 100, { example: '80' }),
		resolvePercent: (f, v) => numberIn(f, v, 0, 100, { example: '85' }),
		minSignups: (f, v) => numberIn(f, v, 1, 1_000_000, { integer: true, example: '5' }),
	},
	paidWithoutAccess: { maxAgeMinutes: (f, v) => numberIn(f, v, 0, 43_200, { example: '15' }) },
	deadLetters: { maxCount: (f, v) => numberIn(f, v, 0, 1_000_000, { integer: true, example: '0' }) },
	outboxPending: { maxAgeMinutes: (f, v) => numberIn(f, v, 0, 43_200, { example: '30' }) },
	refusedDeliveries: { maxCount: (f, v) => numberIn(f, v, 0, 1_000_000, { integer: true, example: '0' }) },
	signInFailures: { maxCount: (f, v) => numberIn(f, v, 0, 1_000_000, { integer: true, example: '10' }) },
};

function ruleBlock(field: string, value: unknown, current: RuleBlock, checks: Record<string, Check>): RuleBlock {
	if (!isPlainObject(value)) throw new LedgerInputError(field, `must be an object such as ${JSON.stringify(current)}`);
	const next: RuleBlock = { ...current };
	for (const [key, v] of Object.entries(value)) {
		if (v === undefined) continue;
		if (key === 'enabled') next.enabled = booleanValue(`${field}.enabled`, v);
		else if (Object.hasOwn(checks, key)) next[key] = checks[key]!(`${field}.${key}`, v);
		else throw new LedgerInputError(`${field}.${key}`, `is not a setting of this rule; known: enabled, ${Object.keys(checks).join(', ')}`);
	}
	return next;
}

const TOP_FIELDS: Record<string, Check> = {
	windowSeconds: (f, v) => {
		const n = numberIn(f, v, 5, 3600, { integer: true, example: '300 (five minutes)' });
		if (3600 % n !== 0) throw new LedgerInputError(f, `must divide an hour evenly (e.g. 60, 300, 600, 900), so windows add up to hours; got ${n}`);
		return n;
	},
	liveAt: timeValue,
	reminderHours: (f, v) => numberIn(f, v, 0, 168, { example: '4 (0 = no reminders)' }),
	resolveAfterWindows: (f, v) => numberIn(f, v, 1, 48, { integer: true, example: '2' }),
	dailyDigestHourUtc: (f, v) => (v === null || v === '' ? null : numberIn(f, v, 0, 23, { integer: true, example: '8 (08:00 UTC)' })),
	paidMediums: (f, v) => {
		const list = typeof v === 'string' ? v.split(',') : v;
		if (!Array.isArray(list)) throw new LedgerInputError(f, 'must be a list of utm_medium values such as ["cpc", "paid_social"]');
		return list.map((m, i) => {
			if (typeof m !== 'string' || m.trim() === '') throw new LedgerInputError(`${f}[${i}]`, 'must be a utm_medium value such as "cpc"');
			return m.trim().toLowerCase();
		}).filter((m) => m !== '');
	},
};

/**
 * Validates a change to the alert settings against the current ones and returns the new settings.
 * Only given keys change; a rule block changes key by key. Errors name the field
 * (`settings.alerts.ingestionDrop.dropPercent`) and say what is expected.
 */
export function validateAlertSettings(value: unknown, current: AlertSettings, field = 'settings.alerts'): AlertSettings {
	if (!isPlainObject(value)) throw new LedgerInputError(field, 'must be an object such as {"windowSeconds": 300, "ingestionDrop": {"dropPercent": 50}}');
	const next = structuredClone(current) as unknown as Record<string, unknown>;
	for (const [key, v] of Object.entries(value)) {
		if (v === undefined) continue;
		const ruleChecks = Object.hasOwn(RULE_FIELDS, key) ? RULE_FIELDS[key] : undefined;
		if (ruleChecks) next[key] = ruleBlock(`${field}.${key}`, v, next[key] as RuleBlock, ruleChecks);
		else if (Object.hasOwn(TOP_FIELDS, key)) next[key] = TOP_FIELDS[key]!(`${field}.${key}`, v);
		else throw new LedgerInputError(`${field}.${key}`, `is not an alert setting; known: ${[...Object.keys(TOP_FIELDS), ...Object.keys(RULE_FIELDS)].join(', ')}`);
	}
	const settings = next as unknown as AlertSettings;
	// Hysteresis only works in one direction: resolving must ask for more than not firing does.
	if (settings.ingestionDrop.resolveDropPercent >= settings.ingestionDrop.dropPercent) {
		throw new LedgerInputError(
			`${field}.ingestionDrop.resolveDropPercent`,
			`must be below dropPercent (${settings.ingestionDrop.dropPercent}): the alert resolves only when signups are back closer to the baseline than where it fired; got ${settings.ingestionDrop.resolveDropPercent}`,
		);
	}
	for (const key of ['reconciliation', 'utmFidelity'] as const) {
		if (settings[key].resolvePercent < settings[key].minPercent) {
			throw new LedgerInputError(`${field}.${key}.resolvePercent`, `must be at least minPercent (${settings[key].minPercent}); got ${settings[key].resolvePercent}`);
		}
	}
	return settings;
}

/** The alert settings a stored settings document holds (`data` of the settings row; null: none stored). */
export function alertSettingsFromData(data: string | null): AlertSettings {
	const stored = data ? (JSON.parse(data) as Record<string, unknown>).alerts : undefined;
	return stored === undefined ? structuredClone(DEFAULT_ALERT_SETTINGS) : validateAlertSettings(stored, DEFAULT_ALERT_SETTINGS);
}
