import { ALERT_RULE_IDS, RULE_SETTINGS_KEY, type AlertRuleId, type AlertSettings } from '../settings/alerts';
import type { MonitorSignals } from './signals';

/**
 * The alert rules as pure functions: `judgeRule` reads a snapshot (and the windows before it) and
 * says whether the rule's condition holds; `advanceAlert` moves one alert's state and says what is
 * to be announced. Evaluation (alerts.ts) runs both inside one locked transaction per launch.
 *
 * State per (launch, rule): ok → firing (a new episode) → ok again once the rule is satisfied in
 * `resolveAfterWindows` consecutive windows. Rules with a percentage or a drop fire and resolve at
 * different levels (hysteresis), so a value wandering around one threshold does not flap. Each
 * window changes the state at most once, however many times (or workers) evaluate it.
 *
 * Announcements: `fired` once per episode (late, if the rule was silenced when it fired and is
 * still firing when the silence ends), `reminder` every reminderHours while it fires, is not
 * acknowledged and not silenced, `resolved` once — only for an episode whose `fired` went out.
 */

export type Severity = 'critical' | 'warning';

export interface RuleInfo {
	title: string;
	severity: Severity;
	/** What to do first, in one or two sentences. */
	advice: string;
}

export const ALERT_RULES: Record<AlertRuleId, RuleInfo> = {
	ingestion_drop: {
		title: 'Signups dropped',
		severity: 'critical',
		advice: 'Open the signup form yourself and send a test signup; then look at the capture workflow\'s executions and the refused signups.',
	},
	reconciliation_low: {
		title: 'Purchases not matched to the waitlist',
		severity: 'warning',
		advice: 'Open Review and match the waiting buyers to their contacts; check that checkout links carry the checkout token.',
	},
	utm_fidelity_low: {
		title: 'Signups arriving without UTMs',
		severity: 'warning',
		advice: 'Check that the form or landing-page snippet passes the utm_ parameters through; try a link with ?utm_source=test.',
	},
	paid_without_access: {
		title: 'Buyers without access',
		severity: 'critical',
		advice: 'Open the Access Outbox: failed or dead grants show the delivery platform\'s error; buyers matched to nobody wait in Review.',
	},
	dead_letters: {
		title: 'Dead letters in the outbox',
		severity: 'warning',
		advice: 'Read the last error, fix its cause (a credential, a vendor limit), then requeue the dead entries.',
	},
	outbox_stuck: {
		title: 'Outbox not draining',
		severity: 'warning',
		advice: 'Check that the outbox drain workflow is published and running, and read the vendor errors of the waiting entries.',
	},
	refused_deliveries: {
		title: 'Payment deliveries refused',
		severity: 'critical',
		advice: 'A burst of bad signatures usually means a wrong signing secret: compare the webhook secret at the payment provider with the credential in n8n.',
	},
	sign_in_failures: {
		title: 'Wrong passwords on the kill switch or dashboard',
		severity: 'warning',
		advice: 'Someone is guessing the password of the kill switch or the dashboard (each address is slowed down already). If it was not your team, give the Basic Auth credential a new long password.',
	},
};

/** The part of a stored snapshot the rules read. */
export interface JudgedSnapshot {
	windowStart: number;
	windowEnd: number;
	windowMs: number;
	measuredAt: number;
	signups: number;
	signals: MonitorSignals;
}

export type Outcome = 'fire' | 'clear' | 'unknown' | 'disabled';

export interface Verdict {
	outcome: Outcome;
	/** The measured value, in `unit`. */
	value: number | null;
	threshold: number | null;
	unit: string;
	/** One line a person reads: what was measured against what. */
	summary: string;
	/** Ingestion drop: the baseline (average signups per window) it is judged against. */
	baseline?: number | null;
}

/** What an alert keeps between evaluations (one row of monitor_alerts). */
export interface AlertState {
	launch: string;
	rule: AlertRuleId;
	state: 'ok' | 'firing';
	/** Increases each time the alert fires. */
	episode: number;
	/** When the current state began (firing since / ok since); null before the first evaluation. */
	since: number | null;
	/** The end of the last snapshot window judged. */
	lastWindowEnd: number | null;
	/** Consecutive windows in which a firing alert's rule was satisfied. */
	clearStreak: number;
	/** The latest verdict's numbers (and, while firing, the baseline it fired against). */
	detail: Verdict | null;
	/** The episode's `fired` announcement went out. */
	announced: boolean;
	lastAnnouncedAt: number | null;
	reminders: number;
	acknowledged: { at: number; by: string; note: string | null } | null;
	silenced: { until: number; by: string; reason: string | null } | null;
	updatedAt: number;
}

export function initialState(launch: string, rule: AlertRuleId, now: number): AlertState {
	return {
		launch,
		rule,
		state: 'ok',
		episode: 0,
		since: null,
		lastWindowEnd: null,
		clearStreak: 0,
		detail: null,
		announced: false,
		lastAnnouncedAt: null,
		reminders: 0,
		acknowledged: null,
		silenced: null,
		updatedAt: now,
	};
}

const minutes = (ms: number) => Math.round(ms / 6_000) / 10;
const windowText = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);
const top = (counts: Record<string, number>) =>
	Object.entries(counts)
		.sort((a, b) => b[1] - a[1])
		.map(([k, n]) => `${k} ${n}`)
		.join(', ');

/** What one rule's judge reads: the latest snapshot, the windows before it (newest first), the alert's state. */
interface Judging {
	settings: AlertSettings;
	snapshot: JudgedSnapshot;
	previous: readonly JudgedSnapshot[];
	state: AlertState;
	firing: boolean;
	signals: MonitorSignals;
	/** The window's length in words, e.g. "5 min". */
	span: string;
}

/** The ingestion baseline: the average of the windows before (or, while firing, the one it fired against); a verdict when it cannot be formed. */
function ingestionBaseline(j: Judging): number | Verdict {
	const r = j.settings.ingestionDrop;
	const kept = j.firing ? (j.state.detail?.baseline ?? null) : null;
	if (kept !== null) return kept;
	const liveSince = j.signals.liveSince;
	const windows = j.previous.slice(0, r.baselineWindows);
	const unknown = (summary: string, baseline?: number): Verdict => ({ outcome: 'unknown', value: null, threshold: r.dropPercent, unit: '%', summary, ...(baseline === undefined ? {} : { baseline }) });
	if (liveSince === null) return unknown('no signup yet: the launch is not live');
	if (windows.length < r.baselineWindows || windows.some((w) => w.windowStart < liveSince)) {
		return unknown(`not enough ${j.span} windows since the launch went live to form a baseline (${r.baselineWindows} needed)`);
	}
	const baseline = windows.reduce((a, w) => a + w.signups, 0) / windows.length;
	if (baseline < r.minBaselineSignups) return unknown(`too few signups to judge a drop: ${round(baseline)} per ${j.span} on average, ${r.minBaselineSignups} needed`, baseline);
	return baseline;
}

function judgeIngestionDrop(j: Judging): Verdict {
	const r = j.settings.ingestionDrop;
	const baseline = ingestionBaseline(j);
	if (typeof baseline !== 'number') return baseline;
	const current = j.snapshot.signups;
	const drop = baseline > 0 ? round((1 - current / baseline) * 100) : 0;
	const summary = `${current} signups in the last ${j.span}, ${drop > 0 ? `${drop} % below` : 'not below'} the baseline of ${round(baseline)} (average of the ${r.baselineWindows} windows before${j.firing ? ' it fired' : ''})`;
	const verdict = { value: drop, threshold: r.dropPercent, unit: '%', summary, baseline };
	// Compared in whole numbers: current ≤ baseline × (100 − drop) / 100.
	if (j.firing) return { ...verdict, outcome: current * 100 >= baseline * (100 - r.resolveDropPercent) ? 'clear' : 'fire' };
	return { ...verdict, outcome: current * 100 <= baseline * (100 - r.dropPercent) ? 'fire' : 'clear' };
}

function judgeReconciliation(j: Judging): Verdict {
	const r = j.settings.reconciliation;
	const c = j.signals.reconciliation;
	const summary = `${c.matched} of ${c.captured} purchases in the last ${j.span} matched a waitlist contact (${c.percent ?? '–'} %: token ${c.byHow.token}, customer id ${c.byHow.customer_id}, email ${c.byHow.email}); ${c.reviewWaiting} wait in Review`;
	const verdict = { value: c.percent, threshold: r.minPercent, unit: '%', summary };
	const enough = c.captured >= r.minPurchases;
	if (enough && c.matched * 100 < r.minPercent * c.captured) return { ...verdict, outcome: 'fire' };
	if (!j.firing) return { ...verdict, outcome: enough ? 'clear' : 'unknown' };
	if ((enough && c.matched * 100 >= r.resolvePercent * c.captured) || c.reviewWaiting === 0) return { ...verdict, outcome: 'clear' };
	return { ...verdict, outcome: enough ? 'fire' : 'unknown' };
}

function judgeUtmFidelity(j: Judging): Verdict {
	const r = j.settings.utmFidelity;
	const u = j.signals.utm;
	const summary = `${u.withSource} of ${u.newPeople} new signups in the last ${j.span} carried utm_source (${u.sourcePercent ?? '–'} %); ${u.withSourceMediumCampaign} had source, medium and campaign`;
	const verdict = { value: u.sourcePercent, threshold: r.minPercent, unit: '%', summary };
	if (u.newPeople < r.minSignups) return { ...verdict, outcome: 'unknown' };
	const level = j.firing ? r.resolvePercent : r.minPercent;
	return { ...verdict, outcome: u.withSource * 100 < level * u.newPeople ? 'fire' : 'clear' };
}

function judgePaidWithoutAccess(j: Judging): Verdict {
	const r = j.settings.paidWithoutAccess;
	const p = j.signals.delivery.paidWithoutAccess;
	const oldest = p.oldestAgeMs ?? 0;
	const summary = p.count
		? `${p.count} paid purchase${p.count === 1 ? ' has' : 's have'} no access yet (${p.undelivered} grant${p.undelivered === 1 ? '' : 's'} not delivered, ${p.unmatched} buyer${p.unmatched === 1 ? '' : 's'} matched to nobody); the oldest waits ${minutes(oldest)} min`
		: 'every paid purchase has its access';
	return { outcome: p.count > 0 && oldest > r.maxAgeMinutes * 60_000 ? 'fire' : 'clear', value: minutes(oldest), threshold: r.maxAgeMinutes, unit: 'min', summary };
}

function judgeDeadLetters(j: Judging): Verdict {
	const r = j.settings.deadLetters;
	const d = j.signals.delivery.deadLetters;
	const lastError = Object.entries(j.signals.vendorSync.failures)
		.filter(([, f]) => f.dead > 0 && f.lastError)
		.sort((a, b) => (b[1].lastErrorAt ?? 0) - (a[1].lastErrorAt ?? 0))[0];
	const summary = d.count ? `${d.count} outbox entr${d.count === 1 ? 'y' : 'ies'} gave up (${top(d.byKind)})${lastError ? `; last error (${lastError[0]}): ${lastError[1].lastError}` : ''}` : 'no dead letters';
	return { outcome: d.count > r.maxCount ? 'fire' : 'clear', value: d.count, threshold: r.maxCount, unit: 'entries', summary };
}

function judgeOutboxStuck(j: Judging): Verdict {
	const r = j.settings.outboxPending;
	const o = j.signals.delivery.outbox;
	const oldest = o.oldestAgeMs ?? 0;
	const slowest = Object.entries(o.byKind).sort((a, b) => (b[1].oldestAgeMs ?? 0) - (a[1].oldestAgeMs ?? 0))[0];
	const summary = o.open ? `${o.open} outbox entr${o.open === 1 ? 'y waits' : 'ies wait'}; the oldest (${slowest?.[0] ?? '?'}) for ${minutes(oldest)} min` : 'nothing waits in the outbox';
	return { outcome: o.open > 0 && oldest > r.maxAgeMinutes * 60_000 ? 'fire' : 'clear', value: minutes(oldest), threshold: r.maxAgeMinutes, unit: 'min', summary };
}

function judgeRefusedDeliveries(j: Judging): Verdict {
	const r = j.settings.refusedDeliveries;
	const d = j.signals.delivery.refusedDeliveries;
	// notKept: refusals past their sender's cap, counted only (absent from snapshots taken before it existed).
	const notKept = d.notKept ? `; ${d.notKept} not kept, over their sender's cap` : '';
	const summary = d.count ? `${d.count} payment deliver${d.count === 1 ? 'y' : 'ies'} refused in the last ${j.span} (${top(d.byReason)}; ${top(d.byProvider)}${notKept})` : `no payment delivery refused in the last ${j.span}`;
	return { outcome: d.count > r.maxCount ? 'fire' : 'clear', value: d.count, threshold: r.maxCount, unit: 'deliveries', summary };
}

function judgeSignInFailures(j: Judging): Verdict {
	const r = j.settings.signInFailures;
	// Snapshots taken before pages counted sign-ins have no signIn block: nothing was counted.
	const d = j.signals.signIn ?? { failures: 0, byPage: {}, blockedNow: 0 };
	const summary = d.failures
		? `${d.failures} wrong password${d.failures === 1 ? '' : 's'} in the last ${j.span} (${top(d.byPage)}); ${d.blockedNow} address${d.blockedNow === 1 ? '' : 'es'} made to wait now`
		: `no wrong password in the last ${j.span}`;
	return { outcome: d.failures > r.maxCount ? 'fire' : 'clear', value: d.failures, threshold: r.maxCount, unit: 'attempts', summary };
}

const JUDGES: Record<AlertRuleId, (j: Judging) => Verdict> = {
	ingestion_drop: judgeIngestionDrop,
	reconciliation_low: judgeReconciliation,
	utm_fidelity_low: judgeUtmFidelity,
	paid_without_access: judgePaidWithoutAccess,
	dead_letters: judgeDeadLetters,
	outbox_stuck: judgeOutboxStuck,
	refused_deliveries: judgeRefusedDeliveries,
	sign_in_failures: judgeSignInFailures,
};

/**
 * Judges one rule on the latest snapshot. `previous`: the snapshots of the windows before it (same
 * length, newest first) — the ingestion baseline. `state` matters for the rules with hysteresis:
 * a firing alert is held to its resolve level (and the drop to the baseline it fired against).
 */
export function judgeRule(rule: AlertRuleId, settings: AlertSettings, snapshot: JudgedSnapshot, previous: readonly JudgedSnapshot[], state: AlertState): Verdict {
	if (!settings[RULE_SETTINGS_KEY[rule]].enabled) return { outcome: 'disabled', value: null, threshold: null, unit: '', summary: 'this rule is turned off in the launch settings' };
	const span = windowText(snapshot.windowMs);
	return JUDGES[rule]({ settings, snapshot, previous, state, firing: state.state === 'firing', signals: snapshot.signals, span });
}

function round(n: number): number {
	return Math.round(n * 10) / 10;
}

export type AnnouncementKind = 'fired' | 'resolved' | 'reminder';

export interface PlannedAnnouncement {
	kind: AnnouncementKind;
	/** Unique per launch: a second worker planning the same announcement inserts nothing. */
	dedupeKey: string;
	/** The firing episode's start (for `resolved`: the episode that ended). */
	since: number;
	resolvedAt: number | null;
}

const isSilenced = (state: AlertState, now: number) => state.silenced !== null && state.silenced.until > now;

/**
 * One alert's next state after a verdict on the snapshot window ending at `windowEnd` (measured at
 * `measuredAt`), evaluated at `now`, and what to announce. A window already judged changes nothing
 * but the time-based parts (a fired announcement held back by a silence, reminders).
 */
export function advanceAlert(
	current: AlertState,
	verdict: Verdict,
	at: { windowEnd: number; measuredAt: number; now: number },
	settings: Pick<AlertSettings, 'resolveAfterWindows' | 'reminderHours'>,
): { next: AlertState; announce: PlannedAnnouncement[] } {
	const next: AlertState = structuredClone(current);
	const announce: PlannedAnnouncement[] = [];
	const { windowEnd, measuredAt, now } = at;
	if (next.lastWindowEnd === null || windowEnd > next.lastWindowEnd) {
		next.lastWindowEnd = windowEnd;
		if (next.since === null) next.since = measuredAt;
		if (verdict.outcome === 'fire') {
			next.clearStreak = 0;
			if (next.state === 'ok') {
				next.state = 'firing';
				next.episode += 1;
				next.since = measuredAt;
				next.announced = false;
				next.lastAnnouncedAt = null;
				next.reminders = 0;
				next.acknowledged = null;
				next.detail = verdict;
			} else {
				// Still firing: the numbers move on, the baseline it fired against stays.
				next.detail = { ...verdict, baseline: current.detail?.baseline ?? verdict.baseline };
			}
		} else if (verdict.outcome === 'clear' && next.state === 'firing') {
			next.clearStreak += 1;
			next.detail = { ...verdict, baseline: current.detail?.baseline ?? verdict.baseline };
			if (next.clearStreak >= settings.resolveAfterWindows) {
				if (next.announced) announce.push({ kind: 'resolved', dedupeKey: `${next.rule}:${next.episode}:resolved`, since: next.since ?? measuredAt, resolvedAt: measuredAt });
				next.state = 'ok';
				next.since = measuredAt;
				next.clearStreak = 0;
			}
		} else if (verdict.outcome === 'disabled' && next.state === 'firing') {
			// A rule turned off stops firing quietly: the person who turned it off knows.
			next.state = 'ok';
			next.since = measuredAt;
			next.clearStreak = 0;
			next.detail = verdict;
		} else if (next.state === 'ok') {
			next.detail = verdict;
		}
	}
	if (next.state === 'firing' && !isSilenced(next, now)) {
		if (!next.announced) {
			announce.push({ kind: 'fired', dedupeKey: `${next.rule}:${next.episode}:fired`, since: next.since ?? measuredAt, resolvedAt: null });
			next.announced = true;
			next.lastAnnouncedAt = now;
		} else if (!next.acknowledged && settings.reminderHours > 0 && next.lastAnnouncedAt !== null && now - next.lastAnnouncedAt >= settings.reminderHours * 3_600_000) {
			next.reminders += 1;
			announce.push({ kind: 'reminder', dedupeKey: `${next.rule}:${next.episode}:reminder:${next.reminders}`, since: next.since ?? measuredAt, resolvedAt: null });
			next.lastAnnouncedAt = now;
		}
	}
	if (next.silenced && next.silenced.until <= now) next.silenced = null;
	next.updatedAt = now;
	return { next, announce };
}

export { ALERT_RULE_IDS };
