import type { INodeProperties } from 'n8n-workflow';

import { ALERT_RULE_IDS, ALERT_RULES, LedgerInputError, RULE_SETTINGS_KEY, type AlertRuleId, type AlertSettingsPatch } from '../../../../ledger';
import { utcIfNoZone } from '../../../shared/monitorFormat';
import type { FieldLabels } from '../../../shared/runner';

/**
 * The launch monitor's alert settings as Launch Setting → Update shows them: one field per
 * setting, named for what it does, its default the ledger's own. Only the fields a user adds are
 * changed. Each field maps to one ledger setting (`settings.alerts.<block>.<key>`), so the ledger's
 * error about it names the field here.
 */

/**
 * Field name here → its place in the ledger's alert settings ([key] or [block, key]). The fields'
 * defaults are written out (n8n's lint reads them from the description); a test keeps them equal to
 * the ledger's DEFAULT_ALERT_SETTINGS.
 */
export const ALERT_SETTING_PATHS = {
	windowSeconds: ['windowSeconds'],
	liveAt: ['liveAt'],
	reminderHours: ['reminderHours'],
	resolveAfterWindows: ['resolveAfterWindows'],
	dailyDigestHourUtc: ['dailyDigestHourUtc'],
	paidMediums: ['paidMediums'],
	dropPercent: ['ingestionDrop', 'dropPercent'],
	resolveDropPercent: ['ingestionDrop', 'resolveDropPercent'],
	baselineWindows: ['ingestionDrop', 'baselineWindows'],
	minBaselineSignups: ['ingestionDrop', 'minBaselineSignups'],
	matchedMinPercent: ['reconciliation', 'minPercent'],
	matchedResolvePercent: ['reconciliation', 'resolvePercent'],
	matchedMinPurchases: ['reconciliation', 'minPurchases'],
	utmMinPercent: ['utmFidelity', 'minPercent'],
	utmResolvePercent: ['utmFidelity', 'resolvePercent'],
	utmMinSignups: ['utmFidelity', 'minSignups'],
	paidWithoutAccessMinutes: ['paidWithoutAccess', 'maxAgeMinutes'],
	outboxWaitMinutes: ['outboxPending', 'maxAgeMinutes'],
	deadLettersAllowed: ['deadLetters', 'maxCount'],
	refusedDeliveriesAllowed: ['refusedDeliveries', 'maxCount'],
	signInFailuresAllowed: ['signInFailures', 'maxCount'],
} as const satisfies Record<string, readonly string[]>;

type FieldName = keyof typeof ALERT_SETTING_PATHS | 'alertsOff';

const LABEL: Record<FieldName, string> = {
	alertsOff: 'Alerts Turned Off',
	baselineWindows: 'Signups Drop: Baseline Windows',
	dailyDigestHourUtc: 'Daily Digest At (UTC)',
	deadLettersAllowed: 'Dead Letters Allowed',
	dropPercent: 'Signups Drop: Fires at Drop (%)',
	liveAt: 'Launch Went Live At',
	matchedMinPercent: 'Purchases Matched: Fires Below (%)',
	matchedMinPurchases: 'Purchases Matched: Minimum Purchases',
	matchedResolvePercent: 'Purchases Matched: Resolves At (%)',
	minBaselineSignups: 'Signups Drop: Minimum Baseline',
	outboxWaitMinutes: 'Outbox Waiting: Fires After (Minutes)',
	paidMediums: 'Paid Mediums',
	paidWithoutAccessMinutes: 'Buyers Without Access: Fires After (Minutes)',
	refusedDeliveriesAllowed: 'Refused Payment Deliveries Allowed',
	reminderHours: 'Reminder Every (Hours)',
	resolveAfterWindows: 'Resolve After Good Windows',
	resolveDropPercent: 'Signups Drop: Resolves Within (%)',
	signInFailuresAllowed: 'Wrong Passwords Allowed',
	utmMinPercent: 'UTM Fidelity: Fires Below (%)',
	utmMinSignups: 'UTM Fidelity: Minimum Signups',
	utmResolvePercent: 'UTM Fidelity: Resolves At (%)',
	windowSeconds: 'Window Length (Seconds)',
};

/** Ledger error fields (`settings.alerts.ingestionDrop.dropPercent`) → the field a user sees. */
export const ALERT_FIELD_LABELS: FieldLabels = {
	alertSettings: 'Alert Settings',
	'settings.alerts': 'Alert Settings',
	...Object.fromEntries(Object.entries(ALERT_SETTING_PATHS).map(([name, path]) => [`settings.alerts.${path.join('.')}`, LABEL[name as FieldName]])),
	...Object.fromEntries(Object.values(RULE_SETTINGS_KEY).map((block) => [`settings.alerts.${block}.enabled`, LABEL.alertsOff])),
	'settings.alertsOff': LABEL.alertsOff,
};

const HOURS = Array.from({ length: 24 }, (_, h) => ({ name: `${String(h).padStart(2, '0')}:00 UTC`, value: h }));

export const alertSettingsProperty: INodeProperties = {
	displayName: 'Alert Settings',
	name: 'alertSettings',
	type: 'collection',
	default: {},
	placeholder: 'Add Alert Setting',
	description:
		'The launch monitor\'s alert rules (Launch Monitor → Evaluate Alerts): when each alert fires and resolves, reminders and the daily digest. Only the ones you add change.',
	options: [
		{
			displayName: LABEL.alertsOff,
			name: 'alertsOff',
			type: 'multiOptions',
			default: [],
			options: (ALERT_RULE_IDS as readonly AlertRuleId[]).map((rule) => ({ name: ALERT_RULES[rule].title, value: rule })).sort((a, b) => a.name.localeCompare(b.name)),
			description: 'The alerts that stay quiet for this launch; every alert not chosen here is on. A firing alert turned off stops without a message.',
		},
		{
			displayName: LABEL.dropPercent,
			name: 'dropPercent',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 50,
			description: '"Signups dropped" fires when a window has this many percent fewer signups than the baseline, or more. Default 50.',
		},
		{
			displayName: LABEL.baselineWindows,
			name: 'baselineWindows',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 288, numberPrecision: 0 },
			default: 6,
			description: 'The baseline is the average of this many windows before (6 × 5 minutes = the last half hour). Default 6.',
		},
		{
			displayName: LABEL.minBaselineSignups,
			name: 'minBaselineSignups',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 10,
			description: 'No drop is judged while the baseline averages fewer signups per window than this: a trickle is no baseline. Default 10.',
		},
		{
			displayName: LABEL.resolveDropPercent,
			name: 'resolveDropPercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 99 },
			default: 30,
			description: '"Signups dropped" resolves once signups are back within this many percent of the baseline it fired against; lower than the drop, so it does not flap. Default 30.',
		},
		{
			displayName: LABEL.paidWithoutAccessMinutes,
			name: 'paidWithoutAccessMinutes',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 15,
			description: '"Buyers without access" fires when a paid purchase has waited longer than this for its access. Default 15.',
		},
		{
			displayName: LABEL.dailyDigestHourUtc,
			name: 'dailyDigestHourUtc',
			type: 'options',
			options: [{ name: 'Off', value: -1 }, ...HOURS],
			default: -1,
			description: 'A daily message at this hour: "all clear", or what is firing, with the last 24 hours\' totals — so a quiet channel can be told apart from a muted one. Off by default.',
		},
		{
			displayName: LABEL.deadLettersAllowed,
			name: 'deadLettersAllowed',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: 0,
			description: '"Dead letters in the outbox" fires when more outbox entries than this have given up. Default 0.',
		},
		{
			displayName: LABEL.liveAt,
			name: 'liveAt',
			type: 'dateTime',
			default: '',
			description:
				'When the launch opened, in UTC unless the time says otherwise. Before it, a drop in signups is never judged (a pre-launch trickle is no baseline). Empty: live from the first signup.',
		},
		{
			displayName: LABEL.outboxWaitMinutes,
			name: 'outboxWaitMinutes',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 30,
			description: '"Outbox not draining" fires when the oldest waiting outbox entry is older than this. Default 30.',
		},
		{
			displayName: LABEL.paidMediums,
			name: 'paidMediums',
			type: 'string',
			default: 'cpc, ppc, paid, paid_social, paidsocial, paid-social, paid_search, display, cpm, cpv',
			description: 'Utm_medium values that mean paid traffic, comma-separated: a paid signup without utm_source is counted as lost attribution',
		},
		{
			displayName: LABEL.matchedMinPercent,
			name: 'matchedMinPercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 90,
			description: '"Purchases not matched to the waitlist" fires when fewer purchases than this share found their contact. Default 90.',
		},
		{
			displayName: LABEL.matchedMinPurchases,
			name: 'matchedMinPurchases',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 0 },
			default: 5,
			description: 'A window with fewer purchases than this is not judged. Default 5.',
		},
		{
			displayName: LABEL.matchedResolvePercent,
			name: 'matchedResolvePercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 95,
			description: 'It resolves at this share or above (or when nobody waits in Review). Default 95.',
		},
		{
			displayName: LABEL.refusedDeliveriesAllowed,
			name: 'refusedDeliveriesAllowed',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: 0,
			description: '"Payment deliveries refused" fires when more payment webhooks than this are refused in a window. Default 0.',
		},
		{
			displayName: LABEL.signInFailuresAllowed,
			name: 'signInFailuresAllowed',
			type: 'number',
			typeOptions: { minValue: 0, numberPrecision: 0 },
			default: 10,
			description: '"Wrong passwords on the kill switch or dashboard" fires when more wrong passwords than this are tried in a window. Default 10.',
		},
		{
			displayName: LABEL.reminderHours,
			name: 'reminderHours',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 168 },
			default: 4,
			description: 'A firing alert nobody has acknowledged is sent again after this many hours; 0 = never. Default 4.',
		},
		{
			displayName: LABEL.resolveAfterWindows,
			name: 'resolveAfterWindows',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 48, numberPrecision: 0 },
			default: 2,
			description: 'A firing alert resolves only after this many good windows in a row. Default 2.',
		},
		{
			displayName: LABEL.utmMinPercent,
			name: 'utmMinPercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 80,
			description: '"Signups arriving without UTMs" fires when fewer new signups than this share carry utm_source. Default 80.',
		},
		{
			displayName: LABEL.utmMinSignups,
			name: 'utmMinSignups',
			type: 'number',
			typeOptions: { minValue: 1, numberPrecision: 0 },
			default: 5,
			description: 'A window with fewer new signups than this is not judged. Default 5.',
		},
		{
			displayName: LABEL.utmResolvePercent,
			name: 'utmResolvePercent',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 100 },
			default: 85,
			description: 'It resolves at this share or above. Default 85.',
		},
		{
			displayName: LABEL.windowSeconds,
			name: 'windowSeconds',
			type: 'number',
			typeOptions: { minValue: 5, maxValue: 3600, numberPrecision: 0 },
			default: 300,
			description: 'How long each measured window is; must divide an hour (60, 300, 600 …). Schedule the monitor at least once per window. Default 300 (5 minutes).',
		},
	],
};

type AlertSettingsParameter = Partial<Record<FieldName, unknown>>;

/** The ledger patch of the alert settings a user added; undefined when none. */
export function alertPatchFrom(values: AlertSettingsParameter): AlertSettingsPatch | undefined {
	const patch: Record<string, unknown> = {};
	const block = (name: string) => (patch[name] ??= {}) as Record<string, unknown>;
	for (const [name, path] of Object.entries(ALERT_SETTING_PATHS) as Array<[keyof typeof ALERT_SETTING_PATHS, readonly string[]]>) {
		let value = values[name];
		if (value === undefined) continue;
		if (name === 'dailyDigestHourUtc' && (value === -1 || value === '-1')) value = null;
		if (name === 'liveAt') value = value === '' ? null : typeof value === 'string' ? utcIfNoZone(value) : value;
		if (path.length === 1) patch[path[0]!] = value;
		else block(path[0]!)[path[1]!] = value;
	}
	if (values.alertsOff !== undefined) {
		const off = values.alertsOff;
		if (!Array.isArray(off) || off.some((rule) => !(ALERT_RULE_IDS as readonly unknown[]).includes(rule))) {
			throw new LedgerInputError('settings.alertsOff', `must be a list of alerts, e.g. ["dead_letters"]; known: ${ALERT_RULE_IDS.join(', ')}; got ${JSON.stringify(off)}`);
		}
		for (const rule of ALERT_RULE_IDS) block(RULE_SETTINGS_KEY[rule]).enabled = !off.includes(rule);
	}
	return Object.keys(patch).length ? (patch as AlertSettingsPatch) : undefined;
}
