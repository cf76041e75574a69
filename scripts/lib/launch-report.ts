/**
 * The launch report `npm run status` prints: signups, where they came from and with which UTMs,
 * refused signups, vendor work by kind, review items and the kill switch — read through the
 * ledger's public facade only (no SQL here).
 *
 * Each figure costs a bounded read, whatever the list size: today's signups come from the newest
 * `contact.created` events (at most SCAN_LIMIT), refused signups from the newest rejections, outbox
 * entries by kind from pages of at most OUTBOX_PAGES × 1,000 entries. A figure that hits its bound
 * is printed as "≥ n". Exact and cheaper would be ledger queries that do not exist yet: outbox
 * counts grouped by kind and status, signup and rejection counts for a time window, an open-review
 * count (the launch monitor's signals will bring them); until then this stays bounded.
 */
import type { Ledger, OutboxEntry, OutboxStatus } from '../../ledger';

export const SCAN_LIMIT = 10_000;
const OUTBOX_PAGE = 1_000;
const OUTBOX_PAGES = 20;
const REVIEW_LIMIT = 1_000;
/** Kinds of vendor work in the order a launch meets them. */
const KIND_ORDER = ['esp_sync', 'crm_sync', 'grant', 'revoke', 'tag_sync'];

/** A count, and whether it stopped at its bound (then the real number is at least this). */
export interface Bounded {
	count: number;
	atLeast: boolean;
}

export interface SourceLine {
	/** utm_source as sent (lowercased); null: signups without one. */
	source: string | null;
	signups: number;
	/** Of those, with utm_source, utm_medium and utm_campaign all set. */
	complete: number;
}

export interface VendorLine {
	kind: string;
	pending: Bounded;
	failing: Bounded;
	dead: Bounded;
	held: Bounded;
	/** The most recent failure's text, as the vendor step recorded it. */
	lastError: string | null;
	lastErrorAt: number | null;
}

export interface LaunchReport {
	launch: string;
	since: number;
	contacts: number;
	signupsToday: Bounded;
	withSource: number;
	withSourceMediumCampaign: number;
	sources: SourceLine[];
	refusedToday: Bounded;
	refusedTotal: Bounded;
	refusedByReason: Array<{ reason: string; count: number }>;
	vendors: VendorLine[];
	reviewOpen: Bounded;
	reviewByKind: Array<{ kind: string; count: number }>;
	pause: { paused: boolean; scope: string | null; by: string | null; reason: string | null; at: number | null };
}

/** Local midnight: "today" as the person reading the terminal means it. */
export function startOfToday(now = new Date()): number {
	const midnight = new Date(now);
	midnight.setHours(0, 0, 0, 0);
	return midnight.getTime();
}

type Touch = Record<string, unknown> | null | undefined;
const utm = (touch: Touch, key: string): string => (typeof touch?.[key] === 'string' ? String(touch[key]).trim() : '');

async function signupsSince(ledger: Ledger, launch: string, since: number) {
	const created = await ledger.contacts.launchHistory(launch, { types: ['contact.created'], order: 'newest', limit: SCAN_LIMIT });
	// Signups are contacts the capture trigger created; a buyer added by Purchase Match is not one.
	const today = created.filter((e) => e.createdAt >= since && e.source === 'capture');
	const sources = new Map<string | null, SourceLine>();
	let withSource = 0;
	let complete = 0;
	for (const event of today) {
		const changes = event.data.changes as { first_touch?: { after?: Touch } } | undefined;
		const touch = changes?.first_touch?.after;
		const source = utm(touch, 'utm_source').toLowerCase() || null;
		const full = !!source && !!utm(touch, 'utm_medium') && !!utm(touch, 'utm_campaign');
		if (source) withSource += 1;
		if (full) complete += 1;
		const line = sources.get(source) ?? { source, signups: 0, complete: 0 };
		line.signups += 1;
		if (full) line.complete += 1;
		sources.set(source, line);
	}
	const oldestSeen = created[created.length - 1]?.createdAt ?? 0;
	return {
		signupsToday: { count: today.length, atLeast: created.length === SCAN_LIMIT && oldestSeen >= since },
		withSource,
		withSourceMediumCampaign: complete,
		sources: [...sources.values()].sort((a, b) => b.signups - a.signups || String(a.source).localeCompare(String(b.source))),
	};
}

async function refused(ledger: Ledger, launch: string, since: number) {
	const rejections = await ledger.capture.rejections(launch, SCAN_LIMIT);
	const today = rejections.filter((r) => r.createdAt >= since);
	const byReason = new Map<string, number>();
	for (const r of today) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
	const full = rejections.length === SCAN_LIMIT;
	return {
		refusedToday: { count: today.length, atLeast: full && rejections[rejections.length - 1]!.createdAt >= since },
		refusedTotal: { count: rejections.length, atLeast: full },
		refusedByReason: [...byReason.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
	};
}

/** Entries of these statuses, page by page up to the bound. */
async function outboxEntries(ledger: Ledger, launch: string, status: OutboxStatus): Promise<{ entries: OutboxEntry[]; atLeast: boolean }> {
	const entries: OutboxEntry[] = [];
	let afterSeq: number | undefined;
	for (let page = 0; page < OUTBOX_PAGES; page += 1) {
		const batch = await ledger.outbox.list({ launch, statuses: [status], limit: OUTBOX_PAGE, ...(afterSeq !== undefined ? { afterSeq } : {}) });
		entries.push(...batch);
		if (batch.length < OUTBOX_PAGE) return { entries, atLeast: false };
		afterSeq = batch[batch.length - 1]!.seq;
	}
	return { entries, atLeast: true };
}

async function vendorWork(ledger: Ledger, launch: string): Promise<VendorLine[]> {
	const [pending, failing, dead, held] = await Promise.all(
		(['pending', 'failed', 'dead', 'held'] as const).map((status) => outboxEntries(ledger, launch, status)),
	);
	const kinds = new Set([...pending!.entries, ...failing!.entries, ...dead!.entries, ...held!.entries].map((e) => e.kind));
	const count = (list: { entries: OutboxEntry[]; atLeast: boolean }, kind: string): Bounded => ({ count: list.entries.filter((e) => e.kind === kind).length, atLeast: list.atLeast });
	const order = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
	return [...kinds].sort((a, b) => order(a) - order(b) || a.localeCompare(b)).map((kind) => {
		const failures = [...failing!.entries, ...dead!.entries].filter((e) => e.kind === kind && e.lastError).sort((a, b) => b.updatedAt - a.updatedAt);
		return {
			kind,
			pending: count(pending!, kind),
			failing: count(failing!, kind),
			dead: count(dead!, kind),
			held: count(held!, kind),
			lastError: failures[0]?.lastError ?? null,
			lastErrorAt: failures[0]?.updatedAt ?? null,
		};
	});
}

export async function computeLaunchReport(ledger: Ledger, launch: string, now = new Date()): Promise<LaunchReport> {
	const since = startOfToday(now);
	const [contacts, signups, refusals, vendors, review, pause] = await Promise.all([
		ledger.contacts.count(launch),
		signupsSince(ledger, launch, since),
		refused(ledger, launch, since),
		vendorWork(ledger, launch),
		ledger.review.list(launch, { status: 'open', limit: REVIEW_LIMIT }),
		ledger.outbox.pauseState(launch),
	]);
	const reviewKinds = new Map<string, number>();
	for (const item of review) reviewKinds.set(item.kind, (reviewKinds.get(item.kind) ?? 0) + 1);
	return {
		launch,
		since,
		contacts,
		...signups,
		...refusals,
		vendors,
		reviewOpen: { count: review.length, atLeast: review.length === REVIEW_LIMIT },
		reviewByKind: [...reviewKinds.entries()].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count),
		pause: { paused: pause.paused, scope: pause.scope, by: pause.pausedBy, reason: pause.reason, at: pause.pausedAt },
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

const n = (b: Bounded) => `${b.atLeast ? '≥ ' : ''}${b.count.toLocaleString('en-US')}`;
const percent = (part: number, whole: number) => (whole === 0 ? '–' : `${Math.round((part / whole) * 100)} %`);
const clock = (at: number) => new Date(at).toTimeString().slice(0, 5);
const oneLine = (text: string, max = 140) => {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

export function formatLaunchReport(report: LaunchReport): string[] {
	const lines: string[] = [];
	const today = report.signupsToday.count;
	lines.push(`Launch "${report.launch}"`);
	lines.push(`  Signups        ${n(report.signupsToday)} today · ${report.contacts.toLocaleString('en-US')} contacts in total`);
	if (today > 0) {
		const top = report.sources.slice(0, 5).map((s) => `${s.source ?? '(no source)'} ${s.signups}${s.source ? ` (${percent(s.complete, s.signups)} with medium + campaign)` : ''}`);
		const more = report.sources.length > 5 ? ` · ${report.sources.length - 5} more` : '';
		lines.push(`  Top sources    ${top.join(' · ')}${more}`);
		lines.push(`  UTM fidelity   ${percent(report.withSource, today)} of today's signups carry utm_source · ${percent(report.withSourceMediumCampaign, today)} source + medium + campaign`);
	}
	const reasons = report.refusedByReason.map((r) => `${r.reason} ${r.count}`).join(', ');
	lines.push(`  Refused        ${n(report.refusedToday)} today${reasons ? ` (${reasons})` : ''} · ${n(report.refusedTotal)} in total`);
	if (report.vendors.length === 0) {
		lines.push('  Vendor work    nothing waiting, nothing failed');
	} else {
		lines.push('  Vendor work    pending · failing · dead' + (report.vendors.some((v) => v.held.count) ? ' · held' : ''));
		const width = Math.max(...report.vendors.map((v) => (KIND_LABELS[v.kind] ?? v.kind).length));
		for (const v of report.vendors) {
			const held = report.vendors.some((x) => x.held.count) ? ` · ${n(v.held)}` : '';
			lines.push(`    ${(KIND_LABELS[v.kind] ?? v.kind).padEnd(width)}   ${n(v.pending)} · ${n(v.failing)} · ${n(v.dead)}${held}`);
			if (v.lastError && (v.failing.count || v.dead.count)) lines.push(`    ${' '.repeat(width)}   last failure ${clock(v.lastErrorAt!)}: ${oneLine(v.lastError)}`);
		}
	}
	const kinds = report.reviewByKind.map((k) => `${k.kind} ${k.count}`).join(', ');
	lines.push(`  Review         ${n(report.reviewOpen)} open${kinds ? ` (${kinds})` : ''}`);
	const p = report.pause;
	lines.push(
		p.paused
			? `  Kill switch    ON — ${p.scope === 'all' ? 'all vendor calls' : 'grants'} held since ${p.at ? clock(p.at) : '?'}${p.by ? ` by ${p.by}` : ''}${p.reason ? `: ${oneLine(p.reason, 80)}` : ''}`
			: '  Kill switch    off',
	);
	return lines;
}
