import { normalizeTagKey } from '../normalize';
import { inList, type SqlExecutor, type SqlValue, type Store } from '../store';
import { HOLDING_TAG, RECONCILED_TAG } from '../system-tags';
import { writeFindings, type Finding } from './findings';
import { ensureFixes, entryStates, markHealed, type Fix, type Healed } from './fixes';
import { contactsByEmail, markSeen, readEmail } from './lookups';
import { batchTransaction, type SweepRun } from './run';
import type { SystemReport, VendorContactRecord } from './types';

/** ESP and CRM lists: contacts the vendor lacks or does not know, duplicates, and tag drift. */

const SYNC_KIND: Record<'esp' | 'crm', string> = { esp: 'esp_sync', crm: 'crm_sync' };

// The ledger's own bookkeeping tags are not compared: tagging a healed contact must not itself count
// as drift on the next sweep.
const SYSTEM_TAGS = new Set([RECONCILED_TAG, HOLDING_TAG]);

/** The ledger's tags of these contacts (one IN-list query per 1000: a default batch is one). */
async function ledgerTagsOf(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, Set<string>>> {
	const ledgerTags = new Map<string, Set<string>>();
	for (let i = 0; i < ids.length; i += 1000) {
		const params: SqlValue[] = [];
		const rows = await tx.query<{ contact_id: string; tag: string }>(`SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (${inList(ids.slice(i, i + 1000), params)})`, params);
		for (const r of rows) (ledgerTags.get(r.contact_id) ?? ledgerTags.set(r.contact_id, new Set()).get(r.contact_id)!).add(r.tag);
	}
	return ledgerTags;
}

type VendorContact = { record: VendorContactRecord; email: string };
type TagDrift = { contactId: string; add: string[]; remove: string[]; fix: Fix };

/**
 * Tag drift: ledger tags the vendor lacks are added; registry tags the vendor has but the contact
 * does not are removed. Vendor tags the ledger does not manage are left alone. `withTags` are the
 * batch's known, non-duplicate records that carry a tag list.
 */
async function tagDrifts(tx: SqlExecutor, run: SweepRun, system: 'esp' | 'crm', withTags: readonly VendorContact[], contacts: Map<string, string>): Promise<TagDrift[]> {
	const ledgerTags = await ledgerTagsOf(tx, [...new Set(withTags.map((v) => contacts.get(v.email)!))]);
	const drifts: TagDrift[] = [];
	for (const v of withTags) {
		const contactId = contacts.get(v.email)!;
		const vendorTags = new Set(v.record.tags!.filter((t) => typeof t === 'string').map((t) => normalizeTagKey(t)));
		const have = new Set([...(ledgerTags.get(contactId) ?? [])].filter((t) => !SYSTEM_TAGS.has(t)));
		const add = [...have].filter((t) => !vendorTags.has(t)).sort();
		const remove = [...vendorTags].filter((t) => run.registry.has(t) && !SYSTEM_TAGS.has(t) && !have.has(t)).sort();
		if (add.length === 0 && remove.length === 0) continue;
		drifts.push({
			contactId,
			add,
			remove,
			fix: { kind: 'tag_sync', key: `reconcile:tag_sync:${system}:${contactId}`, contactId, payload: { system, email: v.email, vendorId: v.record.id ?? null, add, remove } },
		});
	}
	return drifts;
}

/**
 * Drifts of contacts whose sync or tag write (of this system) changed since the list was fetched:
 * the list's tags are stale for them, so the next sweep compares them again instead of "fixing" now.
 */
async function changedSinceListed(tx: SqlExecutor, run: SweepRun, system: 'esp' | 'crm', drifts: readonly TagDrift[]): Promise<Set<string>> {
	if (drifts.length === 0) return new Set();
	// Tag fixes are per system (their key names it): another system's tag write says nothing here.
	const ownTagFix = `reconcile:tag_sync:${system}:`;
	const { changed } = await entryStates(tx, run.launch, [SYNC_KIND[system], 'tag_sync'], drifts.map((d) => d.contactId), run.listedAt[system], (e) =>
		e.kind !== 'tag_sync' || e.idempotency_key.startsWith(ownTagFix),
	);
	return changed;
}

/** Enqueues a tag_sync fix per drifted contact; appends the findings and healed contacts. */
async function fixTagDrift(
	tx: SqlExecutor,
	run: SweepRun,
	system: 'esp' | 'crm',
	c: { withTags: readonly VendorContact[]; contacts: Map<string, string>; report: SystemReport; findings: Finding[]; healed: Healed[] },
): Promise<void> {
	const found = await tagDrifts(tx, run, system, c.withTags, c.contacts);
	const changed = await changedSinceListed(tx, run, system, found);
	const drifts = found.filter((d) => !changed.has(d.contactId));
	c.report.tagDrift += drifts.length;
	c.report.changedSinceListed += found.length - drifts.length;
	const driftFixes = await ensureFixes(tx, run, drifts.map((d) => d.fix));
	for (const [i, { contactId, add, remove }] of drifts.entries()) {
		const fix = driftFixes[i]!;
		c.findings.push({ kind: 'tag_drift', system, contactId, data: { add, remove, entryId: fix.entryId, outcome: fix.outcome } });
		c.healed.push({ contactId, entryId: fix.entryId, finding: 'tag_drift', system, outcome: fix.outcome });
	}
}

/** One batch of an ESP or CRM list: invalid records, duplicates, tag drift and emails the ledger does not know. */
export async function contactBatch(tx: SqlExecutor, run: SweepRun, system: 'esp' | 'crm', records: VendorContactRecord[], report: SystemReport): Promise<void> {
	const findings: Finding[] = [];
	const valid: VendorContact[] = [];
	for (const record of records) {
		const email = readEmail(record?.email);
		if (email === null) {
			report.invalid++;
			findings.push({ kind: 'invalid_record', system, contactId: null, data: { id: record?.id ?? null, email: record?.email ?? null } });
		} else valid.push({ record, email });
	}
	const contacts = await contactsByEmail(tx, run.launch, valid.map((v) => v.email));
	const duplicates = await markSeen(tx, run, system, valid.map((v) => ({ key: v.email, contactId: contacts.get(v.email) ?? null })));
	for (const [email, extra] of duplicates) {
		report.duplicates += extra;
		findings.push({ kind: 'duplicate', system, contactId: contacts.get(email) ?? null, data: { email, extraRecords: extra, ids: valid.filter((v) => v.email === email).map((v) => v.record.id ?? null) } });
	}
	const healed: Healed[] = [];
	const withTags = valid.filter((v) => Array.isArray(v.record.tags) && contacts.has(v.email) && !duplicates.has(v.email));
	await fixTagDrift(tx, run, system, { withTags, contacts, report, findings, healed });
	for (const v of valid) {
		if (contacts.has(v.email)) continue;
		report.unknownInLedger++;
		if (!duplicates.has(v.email)) findings.push({ kind: 'unknown_in_ledger', system, contactId: null, data: { email: v.email, id: v.record.id ?? null } });
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
}

/** Ledger contacts the vendor's list did not contain: one sync entry each (unless one is on its way). */
export async function missingInVendor(store: Store, run: SweepRun, system: 'esp' | 'crm', report: SystemReport, batchSize: number): Promise<void> {
	let after = '';
	for (;;) {
		const page = await batchTransaction(store, async (tx) => {
			// A page of contacts by id, then which of them the vendor list had: index lookups per page,
			// so the cost stays linear whatever the planner knows about the staging table.
			const contacts = await tx.query<{ id: string; email: string | null; status: string; is_test: number; created_at: number | string }>(
				`SELECT id, email, status, is_test, created_at FROM contacts WHERE launch = $1 AND id > $2 ORDER BY id LIMIT $3`,
				[run.launch, after, batchSize],
			);
			if (contacts.length === 0) return contacts;
			// Staged records name the contact their email led to; they are reached through the page's
			// email identifiers and the staging primary key (an index by contact would cost as much as
			// that key on every staged record). A record counts only while its email still belongs to
			// the contact it named: an identifier moved since (merge, unlink) makes the contact missing,
			// which at worst sends one sync more, never one less. The shape keeps SQLite (no planner
			// statistics) on the page's identifiers first: CROSS JOIN fixes its join order (PostgreSQL
			// plans it like any join), and there is no launch condition — the page's contacts are the
			// launch's, and with one SQLite walks all of the launch's emails by the identifiers' key.
			const params: SqlValue[] = [run.id, system];
			const seen = await tx.query<{ contact_id: string }>(
				`SELECT DISTINCT s.contact_id FROM identifiers i CROSS JOIN reconcile_seen s
				 WHERE i.contact_id IN (${inList(contacts.map((c) => c.id), params)}) AND i.kind = 'email'
				 AND s.run_id = $1 AND s.system = $2 AND s.record_key = i.value AND s.contact_id = i.contact_id`,
				params,
			);
			const seenIds = new Set(seen.map((r) => r.contact_id));
			const listedAt = run.listedAt[system];
			// A contact without an email cannot be in an email platform: its ESP sync waits for one (outbox/waiting.ts).
			const absent = contacts.filter((c) => c.status === 'active' && Number(c.is_test) === 0 && !seenIds.has(c.id) && (system !== 'esp' || c.email !== null));
			if (absent.length === 0) return contacts;
			const kind = SYNC_KIND[system];
			const { open, changed } = await entryStates(tx, run.launch, [kind], absent.map((r) => r.id), listedAt);
			// Signed up, or synced, after the list was fetched: the list is no evidence either way.
			const rows = absent.filter((c) => Number(c.created_at) < listedAt && !changed.has(c.id));
			report.changedSinceListed += absent.length - rows.length;
			if (rows.length === 0) return contacts;
			const findings: Finding[] = [];
			const healed: Healed[] = [];
			report.missingInVendor += rows.length;
			const toFix = rows.filter((row) => !open.has(row.id));
			const fixes = await ensureFixes(
				tx,
				run,
				toFix.map((row) => ({ kind, key: `reconcile:${kind}:${row.id}`, contactId: row.id, payload: { system, email: row.email, reason: 'missing_in_vendor' } })),
			);
			const fixOf = new Map(toFix.map((row, i) => [row.id, fixes[i]!]));
			for (const row of rows) {
				const fix = fixOf.get(row.id);
				if (!fix) {
					findings.push({ kind: 'missing_in_vendor', system, contactId: row.id, data: { email: row.email, outcome: 'queued' } });
					continue;
				}
				findings.push({ kind: 'missing_in_vendor', system, contactId: row.id, data: { email: row.email, entryId: fix.entryId, outcome: fix.outcome } });
				healed.push({ contactId: row.id, entryId: fix.entryId, finding: 'missing_in_vendor', system, outcome: fix.outcome });
			}
			await markHealed(tx, run, healed);
			await writeFindings(tx, run, findings);
			return contacts;
		});
		if (page.length === 0) return;
		after = page[page.length - 1]!.id;
	}
}
