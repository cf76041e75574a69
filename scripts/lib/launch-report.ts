/**
 * The launch report `npm run status` prints: signups, where they came from and with which UTMs,
 * refused signups, vendor work by kind, review items and the kill switch — read through the
 * ledger's public facade only (no SQL here).
 *
 * Today's figures are the launch monitor's signals for the window since local midnight
 * (`ledger.monitor.signals`: indexed time ranges, so their cost follows the window, not the list);
 * outbox, dead letters, held entries, review and the kill switch are as at now. Only the top
 * sources are not among the signals: they come from the newest `contact.created` events (at most
 * SCAN_LIMIT; a count at that bound prints as "≥ n").
 */
import type { Ledger, MonitorSignals } from '../../ledger';

export const SCAN_LIMIT = 10_000;
/** Kinds of vendor work in the order a launch meets them. */
const KIND_ORDER = ['esp_sync', 'crm_sync', 'grant', 'revoke', 'tag_sync'];

export interface SourceLine {
	/** utm_source as sent (lowercased); null: signups without one. */
	source: string | null;
	signups: number;
	/** Of those, with utm_source, utm_medium and utm_campaign all set. */
	complete: number;
}

export interface VendorLine {
	kind: string;
	pending: number;
	failing: number;
	dead: number;
	held: number;
	/** The most recent failure's text, as the vendor step recorded it. */
	lastError: string | null;
	lastErrorAt: number | null;
}

export interface LaunchReport {
	launch: string;
	since: number;
	contacts: number;
	newToday: number;
	repeatsToday: number;
	withSource: number;
	withSourceMediumCampaign: number;
	sources: SourceLine[];
	/** The source breakdown stopped at SCAN_LIMIT events. */
	sourcesTruncated: boolean;
	refusedToday: number;
	refusedByReason: Array<{ reason: string; count: number }>;
	vendors: VendorLine[];
	reviewOpen: number;
	reviewByKind: Array<{ kind: string; count: number }>;
	pause: MonitorSignals['delivery']['held']['killSwitch'];
}

/** Local midnight: "today" as the person reading the terminal means it. */
export function startOfToday(now = new Date()): number {
	const midnight = new Date(now);
	midnight.setHours(0, 0, 0, 0);
	return midnight.getTime();
}

type Touch = Record<string, unknown> | null | undefined;
const utm = (touch: Touch, key: string): string => (typeof touch?.[key] === 'string' ? String(touch[key]).trim() : '');

/** Today's new signups by utm_source, from the `contact.created` events the capture recorded. */
async function sourcesSince(ledger: Ledger, launch: string, since: number): Promise<{ sources: SourceLine[]; truncated: boolean }> {
	const created = await ledger.contacts.launchHistory(launch, { types: ['contact.created'], order: 'newest', limit: SCAN_LIMIT });
	// Signups are contacts the capture trigger created; a buyer added by Purchase Match is not one.
	const today = created.filter((e) => e.createdAt >= since && e.source === 'capture');
	const sources = new Map<string | null, SourceLine>();
	for (const event of today) {
		const changes = event.data.changes as { first_touch?: { after?: Touch } } | undefined;
		const touch = changes?.first_touch?.after;
		const source = utm(touch, 'utm_source').toLowerCase() || null;
		const line = sources.get(source) ?? { source, signups: 0, complete: 0 };
		line.signups += 1;
		if (source && utm(touch, 'utm_medium') && utm(touch, 'utm_campaign')) line.complete += 1;
		sources.set(source, line);
	}
	const oldestSeen = created[created.length - 1]?.createdAt ?? 0;
	return {
		sources: [...sources.values()].sort((a, b) => b.signups - a.signups || String(a.source).localeCompare(String(b.source))),
		truncated: created.length === SCAN_LIMIT && oldestSeen >= since,
	};
}

const byCount = (counts: Record<string, number>) =>
	Object.entries(counts)
		.filter(([, count]) => count > 0)
		.map(([key, count]) => ({ key, count }))
		.sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

function vendorLines(signals: MonitorSignals): VendorLine[] {
	const { outbox, deadLetters, held } = signals.delivery;
	const failures = signals.vendorSync.failures;
	const kinds = new Set([...Object.keys(outbox.byKind), ...Object.keys(deadLetters.byKind), ...Object.keys(held.byKind), ...Object.keys(failures)]);
	const order = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
	return [...kinds]
		.sort((a, b) => order(a) - order(b) || a.localeCompare(b))
		.map((kind) => ({
			kind,
			// Claimed entries are being sent right now: still waiting, as far as the creator is concerned.
			pending: (outbox.byKind[kind]?.pending ?? 0) + (outbox.byKind[kind]?.claimed ?? 0),
			failing: outbox.byKind[kind]?.failed ?? failures[kind]?.failing ?? 0,
			dead: deadLetters.byKind[kind] ?? failures[kind]?.dead ?? 0,
			held: held.byKind[kind] ?? 0,
			lastError: failures[kind]?.lastError ?? null,
			lastErrorAt: failures[kind]?.lastErrorAt ?? null,
		}))
		.filter((v) => v.pending + v.failing + v.dead + v.held > 0);
}

export async function computeLaunchReport(ledger: Ledger, launch: string, now = new Date()): Promise<LaunchReport> {
	const since = startOfToday(now);
	const at = now.getTime();
	const [contacts, signals, sources] = await Promise.all([
		ledger.contacts.count(launch),
		ledger.monitor.signals({ launch, from: since, to: at + 1, now: at }),
		sourcesSince(ledger, launch, since),
	]);
	return {
		launch,
		since,
		contacts,
		newToday: signals.ingestion.newPeople,
		repeatsToday: signals.ingestion.repeats,
		withSource: signals.utm.withSource,
		withSourceMediumCampaign: signals.utm.withSourceMediumCampaign,
		sources: sources.sources,
		sourcesTruncated: sources.truncated,
		refusedToday: signals.ingestion.refused,
		refusedByReason: byCount(signals.ingestion.refusedByReason).map(({ key, count }) => ({ reason: key, count })),
		vendors: vendorLines(signals),
		reviewOpen: signals.review.open,
		reviewByKind: byCount(signals.review.byKind).map(({ key, count }) => ({ kind: key, count })),
		pause: signals.delivery.held.killSwitch,
	};
}

// ── text ───────────────────────────────────────────────────────────────────────────────────────

/** What the templates send for each kind of outbox work. */
const KIND_LABELS: Record<string, string> = {
	esp_sync: 'Kit (esp_sync)',
	crm_sync: 'HubSpot (crm_sync)',
	grant: 'course access (grant)',
	revoke: 'course access (revoke)',
	tag_sync: 'tag fixes (tag_sync)',
};

const percent = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((part / whole) * 100)} %`);
const clock = (at: number) => new Date(at).toTimeString().slice(0, 5);
const oneLine = (text: string, max = 140) => {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function formatLaunchReport(report: LaunchReport): string[] {
	const lines: string[] = [];
	const today = report.newToday;
	const count = (value: number) => value.toLocaleString('en-US');
	lines.push(`Launch "${report.launch}"`);
	const repeats = report.repeatsToday ? ` (and ${count(report.repeatsToday)} repeat${report.repeatsToday === 1 ? '' : 's'})` : '';
	lines.push(`  Signups        ${count(today)} new today${repeats} · ${count(report.contacts)} contacts in total`);
	if (report.sources.length) {
		const top = report.sources.slice(0, 5).map((s) => `${s.source ?? '(no source)'} ${s.signups}${s.source ? ` (${percent(s.complete, s.signups)} with medium + campaign)` : ''}`);
		const more = report.sources.length > 5 ? ` · ${report.sources.length - 5} more` : '';
		lines.push(`  Top sources    ${report.sourcesTruncated ? `latest ${count(SCAN_LIMIT)}: ` : ''}${top.join(' · ')}${more}`);
	}
	if (today > 0) {
		lines.push(`  UTM fidelity   ${percent(report.withSource, today)} of today's new signups carry utm_source · ${percent(report.withSourceMediumCampaign, today)} source + medium + campaign`);
	}
	const reasons = report.refusedByReason.map((r) => `${r.reason} ${r.count}`).join(', ');
	lines.push(`  Refused        ${count(report.refusedToday)} today${reasons ? ` (${reasons})` : ''}`);
	if (report.vendors.length === 0) {
		lines.push('  Vendor work    nothing waiting, nothing failed');
	} else {
		const showHeld = report.vendors.some((v) => v.held);
		lines.push(`  Vendor work    pending · failing · dead${showHeld ? ' · held' : ''}`);
		const width = Math.max(...report.vendors.map((v) => (KIND_LABELS[v.kind] ?? v.kind).length));
		for (const v of report.vendors) {
			lines.push(`    ${(KIND_LABELS[v.kind] ?? v.kind).padEnd(width)}   ${count(v.pending)} · ${count(v.failing)} · ${count(v.dead)}${showHeld ? ` · ${count(v.held)}` : ''}`);
			if (v.lastError && (v.failing || v.dead)) lines.push(`    ${' '.repeat(width)}   last failure${v.lastErrorAt ? ` ${clock(v.lastErrorAt)}` : ''}: ${oneLine(v.lastError)}`);
		}
	}
	const kinds = report.reviewByKind.map((k) => `${k.kind} ${k.count}`).join(', ');
	lines.push(`  Review         ${count(report.reviewOpen)} open${kinds ? ` (${kinds})` : ''}`);
	const p = report.pause;
	lines.push(
		p.paused
			? `  Kill switch    ON — ${p.scope === 'all' ? 'all vendor calls' : 'grants'} held since ${p.pausedAt ? clock(p.pausedAt) : '?'}${p.pausedBy ? ` by ${p.pausedBy}` : ''}${p.reason ? `: ${oneLine(p.reason, 80)}` : ''}`
			: '  Kill switch    off',
	);
	return lines;
}
