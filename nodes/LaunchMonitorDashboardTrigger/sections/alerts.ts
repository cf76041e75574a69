import type { AlertStatus, MonitorSignals } from '../../../ledger';
import { durationText, utcText } from '../../shared/monitorFormat';
import { escapeHtml } from '../../shared/page';
import { num } from './common';

/** The status line (all clear / N firing, and the kill switch when it is on) and the firing alerts. */

/** Firing alerts, critical first, then the longest-firing first. */
export function firingAlerts(alerts: readonly AlertStatus[]): AlertStatus[] {
	return alerts
		.filter((a) => a.state === 'firing')
		.sort((a, b) => (a.severity === b.severity ? (a.since ?? 0) - (b.since ?? 0) : a.severity === 'critical' ? -1 : 1));
}

export function statusSection(firing: readonly AlertStatus[], delivery: MonitorSignals['delivery'], killSwitchUrl: string): string {
	const k = delivery.held.killSwitch;
	const alerts = firing.length
		? `<p class="status bad" role="status">${firing.length} alert${firing.length === 1 ? '' : 's'} firing</p>`
		: '<p class="status ok" role="status">All clear: no alert is firing</p>';
	if (!k.paused) return alerts;
	const what = k.scope === 'all' ? 'all vendor calls are' : 'access grants are';
	return `${alerts}
<p class="status held" role="status">Kill switch on: ${what} held since ${escapeHtml(utcText(k.pausedAt))} (${num(delivery.held.count)} waiting). <a href="${escapeHtml(killSwitchUrl)}">Kill-switch page</a></p>`;
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

export function firingSection(firing: readonly AlertStatus[], now: number): string {
	if (firing.length === 0) return '';
	return `<section aria-labelledby="firing-h"><h2 id="firing-h">Firing alerts</h2><ul class="alerts">
${firing.map((a) => alertCard(a, now)).join('\n')}
</ul></section>`;
}
