import { utcText, windowText } from '../shared/monitorFormat';
import { escapeHtml, renderPage, type RenderedPage } from '../shared/page';
import type { DashboardData } from './dashboardData';
import { firingAlerts, firingSection, statusSection } from './sections/alerts';
import { CHECKLIST_CSS, checklistSection } from './sections/checklist';
import { deliverySection, killSwitchSection, latestSection, reviewSection } from './sections/panels';
import { DASHBOARD_CSS } from './sections/style';
import { tilesSection } from './sections/tiles';

/**
 * The dashboard as one self-contained HTML page: the status line, the alerts that fire, the three
 * signal tiles with their 24-hour sparklines, delivery health, the review queue, the kill switch,
 * the latest signups and the newest pre-launch checklist run. Server-rendered from DashboardData; every value is escaped, there is no
 * script, and a meta refresh reloads it.
 */

export interface DashboardPageOptions {
	title: string;
	/** The dashboard's own path as the browser asked for it, e.g. /webhook/launch-monitor. */
	basePath: string;
	refreshSeconds: number;
	/** Link to the kill-switch page (relative to n8n, or a full URL). */
	killSwitchUrl: string;
	/** Link to the pre-launch checklist's report page (relative to n8n, or a full URL); the template's page by default. */
	checklistReportUrl?: string;
	/** A "check now" was just started. */
	checkStarted?: boolean;
}

/** "Check the alerts now" (a form posting back to the dashboard) and the machine-readable pages. */
function actionsSection(basePath: string): string {
	const base = basePath.replace(/\/+$/, '');
	return `<section class="card actions" aria-label="More">
<form method="post" action="${escapeHtml(base)}"><button type="submit">Check the alerts now</button></form>
<a href="${escapeHtml(`${base}/signals.json`)}">signals.json</a>
<a href="${escapeHtml(`${base}/metrics`)}">Prometheus metrics</a>
<a href="${escapeHtml(`${base}/contacts.csv`)}">Export contacts (CSV)</a>
</section>`;
}

export function renderDashboard(data: DashboardData, options: DashboardPageOptions): RenderedPage {
	const firing = firingAlerts(data.alerts);
	const refresh = Math.round(options.refreshSeconds);
	const body = `<div class="top"><h1>${escapeHtml(options.title)}</h1>
<p class="meta">Launch <strong>${escapeHtml(data.launch)}</strong> · updated ${escapeHtml(utcText(data.now))} · counts over the last ${escapeHtml(windowText(data.windowMs))} · refreshes every ${refresh} s</p></div>
${options.checkStarted ? '<p class="flash" role="status">Check started: the alerts are judged now; this page shows the result within a minute.</p>' : ''}
${statusSection(firing, data.live.delivery, options.killSwitchUrl)}
${firingSection(firing, data.now)}
${tilesSection(data)}
<div class="grid">
${deliverySection(data.live, data.alerts)}
${reviewSection(data.live)}
${killSwitchSection(data.live, options.killSwitchUrl)}
</div>
${latestSection(data)}
${checklistSection(data.checklist, options.checklistReportUrl ?? '/webhook/pre-launch-checklist-report')}
${actionsSection(options.basePath)}`;
	return renderPage({ title: `${options.title} · ${data.launch}`, body, css: DASHBOARD_CSS + CHECKLIST_CSS, refreshSeconds: options.refreshSeconds, mainClass: 'wide' });
}
