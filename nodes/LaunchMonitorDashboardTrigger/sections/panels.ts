import type { AlertStatus, MonitorSignals } from '../../../ledger';
import { durationText, percentText, utcText, windowText } from '../../shared/monitorFormat';
import { escapeHtml } from '../../shared/page';
import type { DashboardData } from '../dashboardData';
import { counts, firingRule, num, plural } from './common';

/** Delivery health, the review queue, the kill switch and the latest signups. */

type Sync = MonitorSignals['vendorSync']['esp'];

/** One row: label, value, detail (HTML, escaped), shown as a warning when its alert fires. */
const row = (label: string, value: string, detail: string, warn: boolean) =>
	`<tr${warn ? ' class="warn"' : ''}><th scope="row">${escapeHtml(label)}</th><td class="n">${escapeHtml(value)}</td><td>${detail}</td></tr>`;

const syncText = (v: Sync) => (v.contacts ? `${escapeHtml(percentText(v.percent))} of ${num(v.contacts)} new` : 'nothing to sync in the window');

/** Refusals past their sender's cap are counted, not stored: say so beside the count. */
const notKeptText = (n: number | undefined) => (n ? `; ${num(n)} not kept (over their sender's cap)` : '');
/** Wrong passwords on the pack's pages; snapshots from before they were counted have none. */
function signInRow(live: MonitorSignals, span: string, alerts: readonly AlertStatus[]): string {
	const s = live.signIn ?? { failures: 0, byPage: {}, blockedNow: 0 };
	const detail = s.failures ? `in the last ${span}: ${counts(s.byPage)}; ${plural(s.blockedNow, 'address', 'addresses')} made to wait now` : `none in the last ${span}`;
	return row('Wrong passwords (kill switch, dashboard)', num(s.failures), detail, firingRule(alerts, 'sign_in_failures'));
}

/** Phone-first signups whose ESP sync waits for an email; snapshots from before it was counted have none. */
function waitingForEmailRow(live: MonitorSignals): string {
	const n = live.vendorSync.waitingForEmail ?? 0;
	return row('Email sync waiting for an email', num(n), n ? 'phone-only signups: each goes to the email platform once an email is linked (a later signup, Waitlist Contact → Link, a merge)' : 'every contact with a sync has an email', false);
}

export function deliverySection(live: MonitorSignals, alerts: readonly AlertStatus[]): string {
	const d = live.delivery;
	const span = escapeHtml(windowText(live.window.ms));
	const paid = d.paidWithoutAccess;
	const failing = Object.entries(live.vendorSync.failures).filter(([, f]) => f.failing + f.dead > 0);
	const retrying = failing.map(([kind, f]) => `${escapeHtml(kind)} ${num(f.failing)} failing, ${num(f.dead)} dead${f.lastError ? ` (last error: ${escapeHtml(f.lastError)})` : ''}`);
	return `<section class="card" aria-labelledby="delivery-h"><h2 id="delivery-h">Delivery health</h2>
<table><tbody>
${row('Paid without access', num(paid.count), paid.count ? `oldest waits ${escapeHtml(durationText(paid.oldestAgeMs))}; ${plural(paid.undelivered, 'grant', 'grants')} not delivered, ${plural(paid.unmatched, 'buyer', 'buyers')} matched to nobody` : 'every buyer has access', firingRule(alerts, 'paid_without_access'))}
${row('Outbox waiting', num(d.outbox.open), d.outbox.open ? `oldest ${escapeHtml(durationText(d.outbox.oldestAgeMs))}` : 'nothing waits', firingRule(alerts, 'outbox_stuck'))}
${row('Dead letters', num(d.deadLetters.count), counts(d.deadLetters.byKind), firingRule(alerts, 'dead_letters'))}
${row('Refused payment deliveries', num(d.refusedDeliveries.count), d.refusedDeliveries.count ? `in the last ${span}: ${counts(d.refusedDeliveries.byReason)}${notKeptText(d.refusedDeliveries.notKept)}` : `none in the last ${span}`, firingRule(alerts, 'refused_deliveries'))}
${row('Payments not processed', num(d.unprocessedDeliveries.count), d.unprocessedDeliveries.count ? `oldest ${escapeHtml(durationText(d.unprocessedDeliveries.oldestAgeMs))}` : 'none left unprocessed', d.unprocessedDeliveries.count > 0)}
${signInRow(live, span, alerts)}
${row('Email platform sync', percentText(live.vendorSync.esp.percent), syncText(live.vendorSync.esp), false)}
${row('CRM sync', percentText(live.vendorSync.crm.percent), syncText(live.vendorSync.crm), false)}
${waitingForEmailRow(live)}
</tbody></table>
${retrying.length ? `<p class="small">Retrying: ${retrying.join('; ')}</p>` : ''}
</section>`;
}

export function reviewSection(live: MonitorSignals): string {
	const open = live.review.open;
	return `<section class="card" aria-labelledby="review-h"><h2 id="review-h">Review queue</h2>
<p class="big">${num(open)} <span class="sub">open item${open === 1 ? '' : 's'}</span></p>
<p class="sub">${open ? counts(live.review.byKind) : 'Nothing waits for a person.'}</p>
</section>`;
}

export function killSwitchSection(live: MonitorSignals, killSwitchUrl: string): string {
	const held = live.delivery.held;
	const k = held.killSwitch;
	const state = k.paused
		? `<p><strong>${k.scope === 'all' ? 'All vendor calls are held.' : 'Access grants are held.'}</strong> Since ${escapeHtml(utcText(k.pausedAt))}${k.pausedBy ? ` by ${escapeHtml(k.pausedBy)}` : ''}.</p>
${k.reason ? `<p>Reason: ${escapeHtml(k.reason)}</p>` : ''}
<p>${plural(held.count, 'entry', 'entries')} held (${counts(held.byKind)}). Resume to release them in order.</p>`
		: '<p>Off: grants and vendor syncs flow normally.</p>';
	return `<section class="card" aria-labelledby="kill-h"><h2 id="kill-h">Kill switch <span class="badge ${k.paused ? 'on' : 'off'}">${k.paused ? 'on' : 'off'}</span></h2>
${state}
<p><a href="${escapeHtml(killSwitchUrl)}">Open the kill-switch page</a></p>
</section>`;
}

export function latestSection(data: DashboardData): string {
	if (data.latest.length === 0) {
		return '<section class="card wide-card" aria-labelledby="latest-h"><h2 id="latest-h">Latest signups</h2>\n<p class="sub">Nobody has signed up yet.</p>\n</section>';
	}
	const rows = data.latest.map((c) => {
		const who = [c.name, c.email ?? c.phone].filter((v): v is string => Boolean(v)).map((w) => escapeHtml(w));
		const source = [c.utmSource, c.utmMedium].filter((v): v is string => Boolean(v)).join(' / ');
		return `<tr><td>${who.join(' · ') || '–'}</td><td>${escapeHtml(source || 'no UTM')}</td><td class="n">${escapeHtml(durationText(data.now - c.createdAt))} ago</td></tr>`;
	});
	return `<section class="card wide-card" aria-labelledby="latest-h"><h2 id="latest-h">Latest signups</h2>
<table><thead><tr><th scope="col">Who</th><th scope="col">Source / medium</th><th scope="col" class="n">When</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}
