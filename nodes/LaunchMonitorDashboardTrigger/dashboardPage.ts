import type { AlertRuleId, AlertStatus, MonitorSignals } from '../../ledger';
import { durationText, percentText, utcText, windowText } from '../shared/monitorFormat';
import { escapeHtml, renderPage, type RenderedPage } from '../shared/page';
import type { DashboardData } from './dashboardData';
import { sparklineSvg, type SparkPoint } from './sparkline';

/**
 * The dashboard as one self-contained HTML page: the status line, the alerts that fire, the three
 * signal tiles with their 24-hour sparklines, delivery health, the review queue and the kill
 * switch. Server-rendered from DashboardData; every value is escaped, there is no script, and a
 * meta refresh reloads it.
 */

export interface DashboardPageOptions {
	title: string;
	/** The dashboard's own path as the browser asked for it, e.g. /webhook/launch-monitor. */
	basePath: string;
	refreshSeconds: number;
	/** Link to the kill-switch form (relative to n8n, or a full URL). */
	killSwitchUrl: string;
	/** A "check now" was just started. */
	checkStarted?: boolean;
}

const CSS = `
.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:.5rem}
.meta{color:#4a5550;font-size:.9rem;margin:0}
.status{border-radius:10px;padding:.75rem 1rem;margin:1rem 0;font-weight:600;font-size:1.1rem}
.status.ok{background:#e3f3e9;color:#1c5235;border:1px solid #9fcfb2}
.status.bad{background:#fbe4e2;color:#8a1c15;border:1px solid #e5a39e}
.status.held{background:#fff1d6;color:#6b4307;border:1px solid #e8c27a;font-size:1rem}
.flash{background:#fff6dc;border:1px solid #ecd38b;border-radius:8px;padding:.5rem 1rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:1rem;margin:1rem 0}
.card{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:1rem;min-width:0}
.card.firing{border:2px solid #c0392b}
.wide-card{margin:1rem 0}
.big{font-size:2rem;font-weight:700;line-height:1.1;margin:.25rem 0}
.sub{color:#4a5550;font-size:.9rem;margin:.25rem 0}
.spark{display:block;width:100%;height:auto;margin:.5rem 0 0}
.spark-line{fill:none;stroke:#2f6f4f;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.firing .spark-line{stroke:#c0392b}
.spark-dot{fill:#1d2521}
.spark-axis{stroke:#d5dbd7;stroke-width:1}
.spark-empty{fill:#7a847f;font-size:11px}
.alerts{list-style:none;margin:0;padding:0}
.alert{background:#fff;border-left:6px solid #c77d12;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:.75rem 1rem;margin:.75rem 0}
.alert.critical{border-left-color:#c0392b}
.alert h3{margin:0;font-size:1.05rem}
.badge{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;border-radius:4px;padding:0 .4rem;margin-left:.4rem;vertical-align:middle;background:#f6e3c3;color:#6b4307}
.badge.critical{background:#f6d3cf;color:#8a1c15}
.badge.on{background:#f6d3cf;color:#8a1c15}
.badge.off{background:#e3f3e9;color:#1c5235}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.3rem .25rem;border-bottom:1px solid #e6eae7;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.warn td{color:#8a1c15;font-weight:600}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
button{padding:.55rem 1.1rem;font:inherit;font-weight:600;color:#fff;background:#2f6f4f;border:0;border-radius:6px;cursor:pointer}
.small{font-size:.85rem;color:#4a5550}
ul.plain{margin:.25rem 0;padding-left:1.1rem}
`;

const num = (n: number) => n.toLocaleString('en-US');

type MonitorSync = MonitorSignals['vendorSync']['esp'];

function firingRule(alerts: readonly AlertStatus[], rule: AlertRuleId): boolean {
	return alerts.some((a) => a.rule === rule && a.state === 'firing');
}

function counts(byKind: Record<string, number>): string {
	const entries = Object.entries(byKind).filter(([, n]) => n > 0);
	return entries.length ? entries.map(([k, n]) => `${escapeHtml(k)} ${num(n)}`).join(', ') : 'none';
}

function alertCard(a: AlertStatus, now: number): string {
	const since = a.since ?? now;
	const notes: string[] = [];
	if (a.acknowledged) notes.push(`Acknowledged by ${escapeHtml(a.acknowledged.by)} at ${escapeHtml(utcText(a.acknowledged.at))}${a.acknowledged.note ? `: ${escapeHtml(a.acknowledged.note)}` : ''}`);
	if (a.silenced && a.silenced.until > now) notes.push(`Silenced until ${escapeHtml(utcText(a.silenced.until))} by ${escapeHtml(a.silenced.by)}${a.silenced.reason ? ` (${escapeHtml(a.silenced.reason)})` : ''}`);
	return `<li class="alert ${a.severity}"><h3>${escapeHtml(a.title)}<span class="badge ${a.severity}">${escapeHtml(a.severity)}</span></h3>
<p class="sub">Since ${escapeHtml(utcText(since))} · for ${escapeHtml(durationText(now - since))}</p>
<p>${escapeHtml(a.detail?.summary ?? '')}</p>
<p><strong>What to do first:</strong> ${escapeHtml(a.advice)}</p>${notes.map((n) => `\n<p class="small">${n}</p>`).join('')}</li>`;
}

interface TileOptions {
	heading: string;
	big: string;
	bigLabel: string;
	lines: string[];
	firing: boolean;
	spark: string;
}

function tile(t: TileOptions): string {
	return `<section class="card${t.firing ? ' firing' : ''}" aria-label="${escapeHtml(t.heading)}">
<h2>${escapeHtml(t.heading)}${t.firing ? '<span class="badge critical">alert</span>' : ''}</h2>
<p class="big">${escapeHtml(t.big)} <span class="sub">${escapeHtml(t.bigLabel)}</span></p>
${t.lines.map((l) => `<p class="sub">${l}</p>`).join('\n')}
${t.spark}
</section>`;
}

export function renderDashboard(data: DashboardData, options: DashboardPageOptions): RenderedPage {
	const { live, now, history, alerts } = data;
	const span = windowText(data.windowMs);
	const firing = alerts.filter((a) => a.state === 'firing').sort((a, b) => (a.severity === b.severity ? (a.since ?? 0) - (b.since ?? 0) : a.severity === 'critical' ? -1 : 1));
	// A launch younger than the span draws over its own life, not squeezed into the right edge.
	const sparkFrom = history.length ? Math.max(data.historyFrom, history[0]!.windowStart) : data.historyFrom;
	const sparkSpan = { from: sparkFrom, to: now, gapMs: data.windowMs * 1.5 };
	const historyLabel = `last ${durationText(now - sparkFrom)}`;
	const series = (pick: (s: (typeof history)[number]) => number | null): SparkPoint[] => history.map((s) => ({ at: s.windowStart, value: pick(s) }));

	const i = live.ingestion;
	const ingestion = tile({
		heading: 'Signups',
		big: String(i.perMinute.accepted),
		bigLabel: 'per minute',
		lines: [
			`${num(i.newPeople)} new, ${num(i.repeats)} repeats, ${num(i.refused)} refused in the last ${escapeHtml(span)}`,
			i.refused ? `Refused: ${counts(i.refusedByReason)}` : 'No signup refused',
		],
		firing: firingRule(alerts, 'ingestion_drop'),
		spark: sparklineSvg(series((s) => s.signups), { ...sparkSpan, label: `Signups per ${span}, ${historyLabel}`, emptyText: 'no snapshots kept yet' }),
	});
	const u = live.utm;
	const utm = tile({
		heading: 'UTM fidelity',
		big: percentText(u.sourcePercent),
		bigLabel: 'of new signups with utm_source',
		lines: [
			`${num(u.withSource)} of ${num(u.newPeople)} new in the last ${escapeHtml(span)}; ${escapeHtml(percentText(u.completePercent))} with source, medium and campaign`,
			`${num(u.paidWithoutSource)} paid-medium signup${u.paidWithoutSource === 1 ? '' : 's'} without a source`,
		],
		firing: firingRule(alerts, 'utm_fidelity_low'),
		spark: sparklineSvg(series((s) => s.signals.utm.sourcePercent), { ...sparkSpan, max: 100, unit: ' %', label: `Share with utm_source per ${span}, ${historyLabel}`, emptyText: history.length ? 'no new signups in the kept windows' : 'no snapshots kept yet' }),
	});
	const r = live.reconciliation;
	const reconciliation = tile({
		heading: 'Purchases matched',
		big: percentText(r.percent),
		bigLabel: 'matched to a waitlist contact',
		lines: [
			`${num(r.matched)} of ${num(r.captured)} purchases in the last ${escapeHtml(span)}: checkout token ${num(r.byHow.token)}, customer id ${num(r.byHow.customer_id)}, email ${num(r.byHow.email)}`,
			`${num(r.reviewWaiting)} buyer${r.reviewWaiting === 1 ? '' : 's'} matched to nobody wait in Review`,
		],
		firing: firingRule(alerts, 'reconciliation_low'),
		spark: sparklineSvg(series((s) => s.signals.reconciliation.percent), { ...sparkSpan, max: 100, unit: ' %', label: `Share of purchases matched per ${span}, ${historyLabel}`, emptyText: history.length ? 'no purchases in the kept windows' : 'no snapshots kept yet' }),
	});

	const d = live.delivery;
	const row = (label: string, value: string, detail: string, warn: boolean) =>
		`<tr${warn ? ' class="warn"' : ''}><th scope="row">${escapeHtml(label)}</th><td class="n">${escapeHtml(value)}</td><td>${detail}</td></tr>`;
	const syncText = (v: MonitorSync) => (v.contacts ? `${escapeHtml(percentText(v.percent))} of ${num(v.contacts)} new` : 'nothing to sync in the window');
	const failing = Object.entries(live.vendorSync.failures).filter(([, f]) => f.failing + f.dead > 0);
	const delivery = `<section class="card" aria-labelledby="delivery-h"><h2 id="delivery-h">Delivery health</h2>
<table><tbody>
${row('Paid without access', num(d.paidWithoutAccess.count), d.paidWithoutAccess.count ? `oldest waits ${escapeHtml(durationText(d.paidWithoutAccess.oldestAgeMs))}; ${num(d.paidWithoutAccess.undelivered)} grant(s) not delivered, ${num(d.paidWithoutAccess.unmatched)} buyer(s) matched to nobody` : 'every buyer has access', firingRule(alerts, 'paid_without_access'))}
${row('Outbox waiting', num(d.outbox.open), d.outbox.open ? `oldest ${escapeHtml(durationText(d.outbox.oldestAgeMs))}` : 'nothing waits', firingRule(alerts, 'outbox_stuck'))}
${row('Dead letters', num(d.deadLetters.count), counts(d.deadLetters.byKind), firingRule(alerts, 'dead_letters'))}
${row('Refused payment deliveries', num(d.refusedDeliveries.count), d.refusedDeliveries.count ? `in the last ${escapeHtml(span)}: ${counts(d.refusedDeliveries.byReason)}` : `none in the last ${escapeHtml(span)}`, firingRule(alerts, 'refused_deliveries'))}
${row('Payments not processed', num(d.unprocessedDeliveries.count), d.unprocessedDeliveries.count ? `oldest ${escapeHtml(durationText(d.unprocessedDeliveries.oldestAgeMs))}` : 'none left unprocessed', d.unprocessedDeliveries.count > 0)}
${row('Email platform sync', percentText(live.vendorSync.esp.percent), syncText(live.vendorSync.esp), false)}
${row('CRM sync', percentText(live.vendorSync.crm.percent), syncText(live.vendorSync.crm), false)}
</tbody></table>
${failing.length ? `<p class="small">Retrying: ${failing.map(([kind, f]) => `${escapeHtml(kind)} ${num(f.failing)} failing, ${num(f.dead)} dead${f.lastError ? ` (last error: ${escapeHtml(f.lastError)})` : ''}`).join('; ')}</p>` : ''}
</section>`;

	const k = d.held.killSwitch;
	const killSwitch = `<section class="card" aria-labelledby="kill-h"><h2 id="kill-h">Kill switch <span class="badge ${k.paused ? 'on' : 'off'}">${k.paused ? 'on' : 'off'}</span></h2>
${
	k.paused
		? `<p><strong>${k.scope === 'all' ? 'All vendor calls are held.' : 'Access grants are held.'}</strong> Since ${escapeHtml(utcText(k.pausedAt))}${k.pausedBy ? ` by ${escapeHtml(k.pausedBy)}` : ''}.</p>
${k.reason ? `<p>Reason: ${escapeHtml(k.reason)}</p>` : ''}
<p>${num(d.held.count)} entr${d.held.count === 1 ? 'y' : 'ies'} held (${counts(d.held.byKind)}). Resume to release them in order.</p>`
		: '<p>Off: grants and vendor syncs flow normally.</p>'
}
<p><a href="${escapeHtml(options.killSwitchUrl)}">Open the kill-switch form</a></p>
</section>`;

	const latest = `<section class="card wide-card" aria-labelledby="latest-h"><h2 id="latest-h">Latest signups</h2>
${
	data.latest.length
		? `<table><thead><tr><th scope="col">Who</th><th scope="col">Source / medium</th><th scope="col" class="n">When</th></tr></thead><tbody>
${data.latest
	.map((c) => {
		const who = [c.name, c.email ?? c.phone].filter((v): v is string => Boolean(v)).map((w) => escapeHtml(w));
		const source = [c.utmSource, c.utmMedium].filter((v): v is string => Boolean(v)).join(' / ');
		return `<tr><td>${who.join(' · ') || '–'}</td><td>${escapeHtml(source || 'no UTM')}</td><td class="n">${escapeHtml(durationText(now - c.createdAt))} ago</td></tr>`;
	})
	.join('\n')}
</tbody></table>`
		: '<p class="sub">Nobody has signed up yet.</p>'
}
</section>`;

	const review = `<section class="card" aria-labelledby="review-h"><h2 id="review-h">Review queue</h2>
<p class="big">${num(live.review.open)} <span class="sub">open item${live.review.open === 1 ? '' : 's'}</span></p>
<p class="sub">${live.review.open ? counts(live.review.byKind) : 'Nothing waits for a person.'}</p>
</section>`;

	const status = `${
		firing.length
			? `<p class="status bad" role="status">${firing.length} alert${firing.length === 1 ? '' : 's'} firing</p>`
			: '<p class="status ok" role="status">All clear: no alert is firing</p>'
	}${
		k.paused
			? `\n<p class="status held" role="status">Kill switch on: ${k.scope === 'all' ? 'all vendor calls are' : 'access grants are'} held since ${escapeHtml(utcText(k.pausedAt))} (${num(d.held.count)} waiting). <a href="${escapeHtml(options.killSwitchUrl)}">Kill-switch form</a></p>`
			: ''
	}`;
	const base = options.basePath.replace(/\/+$/, '');
	const body = `<div class="top"><h1>${escapeHtml(options.title)}</h1>
<p class="meta">Launch <strong>${escapeHtml(data.launch)}</strong> · updated ${escapeHtml(utcText(now))} · counts over the last ${escapeHtml(span)} · refreshes every ${Math.round(options.refreshSeconds)} s</p></div>
${options.checkStarted ? '<p class="flash" role="status">Check started: the alerts are judged now; this page shows the result within a minute.</p>' : ''}
${status}
${firing.length ? `<section aria-labelledby="firing-h"><h2 id="firing-h">Firing alerts</h2><ul class="alerts">\n${firing.map((a) => alertCard(a, now)).join('\n')}\n</ul></section>` : ''}
<div class="grid">
${ingestion}
${utm}
${reconciliation}
</div>
<div class="grid">
${delivery}
${review}
${killSwitch}
</div>
${latest}
<section class="card actions" aria-label="More">
<form method="post" action="${escapeHtml(base)}"><button type="submit">Check the alerts now</button></form>
<a href="${escapeHtml(`${base}/signals.json`)}">signals.json</a>
<a href="${escapeHtml(`${base}/metrics`)}">Prometheus metrics</a>
<a href="${escapeHtml(`${base}/contacts.csv`)}">Export contacts (CSV)</a>
</section>`;
	return renderPage({ title: `${options.title} · ${data.launch}`, body, css: CSS, refreshSeconds: options.refreshSeconds, mainClass: 'wide' });
}

