import type { SnapshotRecord } from '../../../ledger';
import { durationText, percentText, windowText } from '../../shared/monitorFormat';
import { escapeHtml } from '../../shared/page';
import type { DashboardData } from '../dashboardData';
import { sparklineSvg, type SparkPoint } from '../sparkline';
import { counts, firingRule, num, plural } from './common';

/** The signal tiles — signups, UTM fidelity, purchases matched, flagged signups, referrals — each with its sparkline. */

/** A credit's status in the words the referral tile uses (a refused referral is a self-referral). */
function referralWords(byStatus: Record<string, number>): Record<string, number> {
	const words: Record<string, string> = { credited: 'counted', withheld: 'withheld', refused: 'refused as self-referral' };
	return Object.fromEntries(Object.entries(byStatus).map(([status, n]) => [words[status] ?? status, n]));
}

interface Tile {
	heading: string;
	big: string;
	bigLabel: string;
	/** HTML, already escaped. */
	lines: string[];
	firing: boolean;
	spark: string;
}

function tile(t: Tile): string {
	return `<section class="card${t.firing ? ' firing' : ''}" aria-label="${escapeHtml(t.heading)}">
<h2>${escapeHtml(t.heading)}${t.firing ? '<span class="badge critical">alert</span>' : ''}</h2>
<p class="big">${escapeHtml(t.big)} <span class="sub">${escapeHtml(t.bigLabel)}</span></p>
${t.lines.map((l) => `<p class="sub">${l}</p>`).join('\n')}
${t.spark}
</section>`;
}

export function tilesSection(data: DashboardData): string {
	const { live, now, history, alerts } = data;
	const span = escapeHtml(windowText(data.windowMs));
	// A launch younger than the span draws over its own life, not squeezed into the right edge.
	const from = history.length ? Math.max(data.historyFrom, history[0]!.windowStart) : data.historyFrom;
	const line = { from, to: now, gapMs: data.windowMs * 1.5 };
	const label = (what: string) => `${what} per ${windowText(data.windowMs)}, last ${durationText(now - from)}`;
	const emptyText = (what: string) => (history.length ? `no ${what} in the kept windows` : 'no snapshots kept yet');
	const series = (pick: (s: SnapshotRecord) => number | null): SparkPoint[] => history.map((s) => ({ at: s.windowStart, value: pick(s) }));
	const { ingestion: i, utm: u, reconciliation: r } = live;
	const signups = tile({
		heading: 'Signups',
		big: String(i.perMinute.accepted),
		bigLabel: 'per minute',
		lines: [`${num(i.newPeople)} new, ${num(i.repeats)} repeats, ${num(i.refused)} refused in the last ${span}`, i.refused ? `Refused: ${counts(i.refusedByReason)}${i.refusedNotKept ? `; ${num(i.refusedNotKept)} not kept (over their address's cap)` : ''}` : 'No signup refused'],
		firing: firingRule(alerts, 'ingestion_drop'),
		spark: sparklineSvg(series((s) => s.signups), { ...line, label: label('Signups'), emptyText: 'no snapshots kept yet' }),
	});
	const utm = tile({
		heading: 'UTM fidelity',
		big: percentText(u.sourcePercent),
		bigLabel: 'of new signups with utm_source',
		lines: [
			`${num(u.withSource)} of ${num(u.newPeople)} new in the last ${span}; ${escapeHtml(percentText(u.completePercent))} with source, medium and campaign`,
			`${plural(u.paidWithoutSource, 'paid-medium signup', 'paid-medium signups')} without a source`,
		],
		firing: firingRule(alerts, 'utm_fidelity_low'),
		spark: sparklineSvg(series((s) => s.signals.utm.sourcePercent), { ...line, max: 100, unit: ' %', label: label('Share with utm_source'), emptyText: emptyText('new signups') }),
	});
	const purchases = tile({
		heading: 'Purchases matched',
		big: percentText(r.percent),
		bigLabel: 'matched to a waitlist contact',
		lines: [
			`${num(r.matched)} of ${num(r.captured)} purchases in the last ${span}: checkout token ${num(r.byHow.token)}, customer id ${num(r.byHow.customer_id)}, email ${num(r.byHow.email)}`,
			`${plural(r.reviewWaiting, 'buyer', 'buyers')} matched to nobody wait in Review`,
		],
		firing: firingRule(alerts, 'reconciliation_low'),
		spark: sparklineSvg(series((s) => s.signals.reconciliation.percent), { ...line, max: 100, unit: ' %', label: label('Share of purchases matched'), emptyText: emptyText('purchases') }),
	});
	// Snapshots kept before abuse signals were counted have none.
	const a = live.abuse ?? { flaggedSignups: 0, bySignal: {}, openNow: 0, heldForReview: 0 };
	const flagged = tile({
		heading: 'Flagged signups',
		big: num(a.flaggedSignups),
		bigLabel: `flagged in the last ${windowText(data.windowMs)}`,
		lines: [
			a.flaggedSignups ? `By signal: ${counts(a.bySignal)}` : 'No signup flagged (disposable domain, one network or address pattern in a burst, CAPTCHA)',
			`${plural(a.openNow, 'flagged signup waits', 'flagged signups wait')} in Review${a.heldForReview ? `; ${plural(a.heldForReview, 'sync', 'syncs')} held until reviewed` : ''}`,
		],
		firing: false,
		spark: sparklineSvg(series((s) => s.signals.abuse?.flaggedSignups ?? null), { ...line, label: label('Flagged signups'), emptyText: emptyText('flagged signups') }),
	});
	// Snapshots kept before referral signals were counted have none.
	const ref = live.referrals ?? { referredSignups: 0, byStatus: {}, withheldNow: 0 };
	const referrals = tile({
		heading: 'Referral signups',
		big: num(ref.referredSignups),
		bigLabel: `through a referral link in the last ${windowText(data.windowMs)}`,
		lines: [
			ref.referredSignups ? `Their referral now: ${counts(referralWords(ref.byStatus))}` : 'No signup came through a referral link',
			`${plural(ref.withheldNow, 'credit is', 'credits are')} withheld (unconfirmed or flagged signups); their referrers see them as pending`,
		],
		firing: false,
		spark: sparklineSvg(series((s) => s.signals.referrals?.referredSignups ?? null), { ...line, label: label('Referral signups'), emptyText: emptyText('referral signups') }),
	});
	return `<div class="grid">
${signups}
${utm}
${purchases}
${flagged}
${referrals}
</div>`;
}
