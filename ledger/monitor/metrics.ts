import type { AlertStatus } from './alerts';
import type { MonitorSignals } from './signals';

/**
 * The signals as flat numbers for Prometheus / Grafana: every value is a gauge (a count in the
 * window, a ratio, an age in seconds, a backlog size), labelled by launch and — where a signal is
 * split — by kind or reason. `prometheusText` renders them in the text exposition format.
 */

export interface MetricSample {
	name: string;
	help: string;
	labels: Record<string, string>;
	value: number;
}

export function monitorMetrics(signals: MonitorSignals, alerts: readonly AlertStatus[] = []): MetricSample[] {
	const launch = signals.launch;
	const out: MetricSample[] = [];
	const add = (name: string, help: string, value: number | null, labels: Record<string, string> = {}) => {
		if (value === null || !Number.isFinite(value)) return;
		out.push({ name: `waitlist_${name}`, help, labels: { launch, ...labels }, value });
	};
	const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);
	const ratio = (pct: number | null) => (pct === null ? null : pct / 100);
	const w = signals.window;
	add('window_seconds', 'Length of the measured window in seconds.', w.ms / 1000);
	add('signups', 'Accepted signups in the window, by kind (new person or repeat).', signals.ingestion.newPeople, { kind: 'new' });
	add('signups', 'Accepted signups in the window, by kind (new person or repeat).', signals.ingestion.repeats, { kind: 'repeat' });
	add('signups_per_minute', 'Accepted signups per minute over the window.', signals.ingestion.perMinute.accepted);
	for (const [reason, n] of Object.entries(signals.ingestion.refusedByReason)) add('signups_refused', 'Signups refused in the window, by reason.', n, { reason });
	add('signups_refused_not_kept', 'Signups refused in the window past their address\'s cap: counted, not stored.', signals.ingestion.refusedNotKept ?? 0);
	add('utm_source_ratio', 'Share of new signups in the window with utm_source.', ratio(signals.utm.sourcePercent));
	add('utm_complete_ratio', 'Share of new signups in the window with utm_source, utm_medium and utm_campaign.', ratio(signals.utm.completePercent));
	add('utm_paid_without_source', 'New signups in the window with a paid utm_medium and no utm_source.', signals.utm.paidWithoutSource);
	add('purchases_captured', 'Purchases captured in the window.', signals.reconciliation.captured);
	for (const [how, n] of Object.entries(signals.reconciliation.byHow)) add('purchases_matched', 'Captured purchases in the window matched to a waitlist contact, by how.', n, { by: how });
	add('purchases_matched_ratio', 'Share of captured purchases in the window matched to a waitlist contact.', ratio(signals.reconciliation.percent));
	add('purchases_unmatched_in_review', 'Purchases matched to nobody, waiting in Review.', signals.reconciliation.reviewWaiting);
	const d = signals.delivery;
	add('paid_without_access', 'Paid purchases whose access has not reached the buyer.', d.paidWithoutAccess.count);
	add('paid_without_access_oldest_seconds', 'Age of the oldest paid purchase without access, in seconds.', seconds(d.paidWithoutAccess.oldestAgeMs) ?? 0);
	for (const [kind, k] of Object.entries(d.outbox.byKind)) {
		add('outbox_open', 'Outbox entries not done yet, by kind and status.', k.pending, { kind, status: 'pending' });
		add('outbox_open', 'Outbox entries not done yet, by kind and status.', k.failed, { kind, status: 'failed' });
		add('outbox_open', 'Outbox entries not done yet, by kind and status.', k.claimed, { kind, status: 'claimed' });
		add('outbox_oldest_open_seconds', 'Age of the oldest outbox entry not done yet, by kind, in seconds.', seconds(k.oldestAgeMs) ?? 0, { kind });
	}
	for (const [kind, n] of Object.entries(d.deadLetters.byKind)) add('outbox_dead', 'Outbox entries that gave up (dead letters), by kind.', n, { kind });
	for (const [kind, n] of Object.entries(d.held.byKind)) add('outbox_held', 'Outbox entries held by the kill switch, by kind.', n, { kind });
	add('kill_switch_on', 'Whether the launch\'s kill switch holds vendor calls (1) or not (0).', d.held.killSwitch.paused ? 1 : 0);
	for (const [reason, n] of Object.entries(d.refusedDeliveries.byReason)) add('payment_deliveries_refused', 'Payment webhook deliveries refused in the window, by reason.', n, { reason });
	add('payment_deliveries_refused_not_kept', 'Payment webhook deliveries refused in the window past their sender\'s cap: counted, not stored.', d.refusedDeliveries.notKept ?? 0);
	add('payment_deliveries_unprocessed', 'Verified payment deliveries no run has processed for 10 minutes or more.', d.unprocessedDeliveries.count);
	add('vendor_synced_ratio', 'Share of the window\'s new signups fully synced, by vendor.', ratio(signals.vendorSync.esp.percent), { vendor: 'esp' });
	add('vendor_synced_ratio', 'Share of the window\'s new signups fully synced, by vendor.', ratio(signals.vendorSync.crm.percent), { vendor: 'crm' });
	add('esp_sync_waiting_for_email', 'ESP syncs of phone-only contacts waiting for an email.', signals.vendorSync.waitingForEmail ?? 0);
	for (const [kind, f] of Object.entries(signals.vendorSync.failures)) add('vendor_failing', 'Outbox entries retrying after a failure, by kind.', f.failing, { kind });
	add('review_open', 'Open review items.', signals.review.open);
	const abuse = signals.abuse ?? { flaggedSignups: 0, openNow: 0, heldForReview: 0 };
	add('signups_flagged', 'Signups flagged at capture in the window (disposable domain, velocity, CAPTCHA).', abuse.flaggedSignups);
	add('signups_flagged_open', 'Flagged signups waiting for a person on the review desk.', abuse.openNow);
	add('outbox_held_for_review', 'Sync entries of flagged signups held until a person decides.', abuse.heldForReview);
	const referrals = signals.referrals ?? { referredSignups: 0, withheldNow: 0 };
	add('signups_referred', 'Signups in the window that came through someone\'s referral link.', referrals.referredSignups);
	add('referral_credits_withheld', 'Referral credits withheld now (unconfirmed or flagged signups), pending for their referrers.', referrals.withheldNow);
	for (const a of alerts) add('alert_firing', 'Whether an alert fires (1) or not (0), by rule.', a.state === 'firing' ? 1 : 0, { rule: a.rule, severity: a.severity });
	return out;
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Prometheus text exposition format (0.0.4): one HELP and TYPE per metric name, then its samples. */
export function prometheusText(samples: readonly MetricSample[]): string {
	const byName = new Map<string, MetricSample[]>();
	for (const s of samples) (byName.get(s.name) ?? byName.set(s.name, []).get(s.name)!).push(s);
	let text = '';
	for (const [name, list] of byName) {
		text += `# HELP ${name} ${list[0]!.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} gauge\n`;
		for (const s of list) {
			const labels = Object.entries(s.labels)
				.map(([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, '_')}="${escapeLabel(v)}"`)
				.join(',');
			text += `${name}${labels ? `{${labels}}` : ''} ${s.value}\n`;
		}
	}
	return text;
}
