import { randomUUID } from 'node:crypto';

import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { normalizeEmail, normalizeTagKey } from '../normalize';
import { enqueueOutboxEntries } from '../outbox/enqueue';
import { outboxHealth, type OutboxHealth } from '../outbox/health';
import { openReviewItem } from '../review/review';
import { inList, type SqlExecutor, type SqlValue, type Store } from '../store';
import { applySystemTag, HOLDING_TAG, RECONCILED_TAG } from '../system-tags';

/**
 * The reconcile sweep: compares what vendors have with what the ledger says and turns every
 * difference into outbox work (or a report). Vendor lists arrive as streams and are read in batches;
 * what has been seen is written to `reconcile_seen`, so "missing in the ESP" is a query, not a
 * 100k-entry Set in memory.
 */
export type VendorSystem = 'esp' | 'crm' | 'checkout' | 'delivery';

/** A subscriber (ESP) or contact (CRM) as the vendor has it. */
export interface VendorContactRecord {
	email: string;
	/** The vendor's record id (kept in findings and payloads). */
	id?: string | number;
	/** The vendor's tags; omit when the list has none (then tags are not compared). */
	tags?: string[];
}

/** An order from the checkout (Stripe, Lemon Squeezy …). */
export interface CheckoutOrderRecord {
	orderId: string;
	email?: string;
	productId?: string;
	/** The vendor's word only; the sweep decides access from the ledger's purchase facts, never from this. */
	status?: string;
}

/** Someone enrolled in a product at the delivery platform (course host, community …). */
export interface DeliveryEnrollmentRecord {
	email: string;
	productId: string;
	id?: string | number;
}

export type RecordStream<T> = AsyncIterable<T> | Iterable<T>;

/** What the purchases module decided about one purchase. */
export interface PurchaseFact {
	orderId: string;
	contactId: string | null;
	productId: string;
	state: 'paid' | 'refunded' | 'dispute_lost' | 'pending' | (string & {});
	/** Whether the ledger's access state for (contact, product) is granted. */
	accessGranted: boolean;
}

/**
 * The sweep's view of purchases and access. The purchases/access tables are not built yet; their
 * module will implement this. Without it the sweep still reports purchases whose email matches no
 * contact, but never grants or revokes.
 */
export interface PurchaseFactSource {
	/** Facts for these checkout order ids (unknown orders left out). */
	forOrders(tx: SqlExecutor, launch: string, orderIds: readonly string[]): Promise<PurchaseFact[]>;
	/** Facts for these (contact, product) pairs, from the latest purchase of each. */
	forAccess(tx: SqlExecutor, launch: string, pairs: readonly { contactId: string; productId: string }[]): Promise<PurchaseFact[]>;
}

export interface SweepInput {
	launch: string;
	esp?: RecordStream<VendorContactRecord>;
	crm?: RecordStream<VendorContactRecord>;
	checkout?: RecordStream<CheckoutOrderRecord>;
	delivery?: RecordStream<DeliveryEnrollmentRecord>;
	purchases?: PurchaseFactSource;
	/** Records per transaction (and per ledger lookup); 1000 by default. */
	batchSize?: number;
	source?: string;
	/**
	 * When the vendor lists were fetched (ms since the epoch): one time for all lists, or one per
	 * system. A list only shows the vendor as it was then, so a contact whose sync was delivered
	 * (or is in a worker's hands) since, or who signed up since, is not judged by it. Defaults to
	 * the sweep's start — right for lists fetched just before; pass the fetch time when they were
	 * fetched earlier (n8n: the execution's start).
	 */
	listedAt?: number | Partial<Record<VendorSystem, number>>;
}

export interface SystemReport {
	records: number;
	/** Records that could not be read (no email, bad email …); each is a finding. */
	invalid: number;
	/** The same email (or order, or enrollment) more than once in this vendor. */
	duplicates: number;
	/** In the vendor but not in the ledger. */
	unknownInLedger: number;
	/** In the ledger but not in the vendor (ESP/CRM): sync entries. */
	missingInVendor: number;
	/** Tags differ (ESP/CRM): tag_sync entries. */
	tagDrift: number;
	grants: number;
	revokes: number;
	/** Purchases with no contact: review items. */
	review: number;
	/**
	 * ESP/CRM: contacts not judged by this list because they changed after it was fetched (their
	 * sync was delivered or claimed since, or they signed up since); the next sweep compares them.
	 */
	changedSinceListed: number;
}

export interface SweepReport {
	runId: string;
	launch: string;
	/** Part (a): the outbox as the sweep found it — due retries, expired leases, dead, held. */
	outbox: OutboxHealth;
	systems: Partial<Record<VendorSystem, SystemReport>>;
	/** Per compared system: when its list counted as fetched (ms), see SweepInput.listedAt. */
	listedAt: Partial<Record<VendorSystem, number>>;
	/** Outbox entries created or reopened by this sweep. */
	fixes: number;
	/** Contacts tagged reconciled-after-failure by this sweep. */
	healedContacts: number;
	findings: number;
}

export interface SweepFinding {
	seq: number;
	kind: 'duplicate' | 'unknown_in_ledger' | 'invalid_record' | 'missing_in_vendor' | 'tag_drift' | 'grant' | 'revoke' | 'purchase_without_contact' | (string & {});
	system: VendorSystem | null;
	contactId: string | null;
	data: Record<string, unknown>;
}

const SYNC_KIND: Record<'esp' | 'crm', string> = { esp: 'esp_sync', crm: 'crm_sync' };
const OPEN_STATUSES = ['pending', 'failed', 'claimed', 'held'];
// The ledger's own bookkeeping tags are not compared: tagging a healed contact must not itself count
// as drift on the next sweep.
const SYSTEM_TAGS = new Set([RECONCILED_TAG, HOLDING_TAG]);

function emptyReport(): SystemReport {
	return { records: 0, invalid: 0, duplicates: 0, unknownInLedger: 0, missingInVendor: 0, tagDrift: 0, grants: 0, revokes: 0, review: 0, changedSinceListed: 0 };
}

async function* batches<T>(stream: RecordStream<T>, size: number): AsyncGenerator<T[]> {
	let batch: T[] = [];
	for await (const record of stream) {
		batch.push(record);
		if (batch.length >= size) {
			yield batch;
			batch = [];
		}
	}
	if (batch.length) yield batch;
}

/** Per-run state that must outlive a batch: counters and the next finding number. */
class SweepRun {
	readonly id = randomUUID();
	findingSeq = 0;
	fixes = 0;
	healed = 0;
	registry = new Set<string>();
	constructor(
		readonly launch: string,
		readonly source: string,
		/** Per system: when its list was fetched (ms). */
		readonly listedAt: Record<VendorSystem, number>,
	) {}
}

const SYSTEMS: readonly VendorSystem[] = ['esp', 'crm', 'checkout', 'delivery'];
// Clocks of the fetching machine and this one may differ a little; a list "fetched" further in the
// future than this is a wrong value (seconds instead of milliseconds, a date typo), not skew.
const LISTED_AT_SKEW_MS = 60_000;

function listedAtOf(input: SweepInput['listedAt'], startedAt: number): Record<VendorSystem, number> {
	const times = {} as Record<VendorSystem, number>;
	const given: Partial<Record<VendorSystem, unknown>> =
		input === undefined || input === null ? {} : typeof input === 'object' ? input : Object.fromEntries(SYSTEMS.map((s) => [s, input]));
	for (const system of SYSTEMS) {
		const value = given[system];
		if (value === undefined || value === null) {
			times[system] = startedAt;
			continue;
		}
		const field = typeof input === 'object' ? `listedAt.${system}` : 'listedAt';
		if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new LedgerInputError(field, 'must be a time in milliseconds since 1970 (e.g. Date.now() when the list was fetched)');
		if (value > startedAt + LISTED_AT_SKEW_MS) throw new LedgerInputError(field, `is ${new Date(value).toISOString()}, later than now: pass when the list was fetched`);
		times[system] = Math.min(value, startedAt);
	}
	return times;
}

type Finding = Omit<SweepFinding, 'seq'>;

async function writeFindings(tx: SqlExecutor, run: SweepRun, findings: Finding[]): Promise<void> {
	const now = Date.now();
	for (let i = 0; i < findings.length; i += 500) {
		const params: SqlValue[] = [];
		const rows = findings.slice(i, i + 500).map((f) => {
			run.findingSeq++;
			return `(${inList([run.id, run.findingSeq, run.launch, f.kind, f.system, f.contactId, JSON.stringify(f.data), now], params)})`;
		});
		await tx.execute(`INSERT INTO reconcile_findings (run_id, seq, launch, kind, system, contact_id, data, created_at) VALUES ${rows.join(', ')}`, params);
	}
}

/**
 * Contacts by normalized email, for one batch. Two primary-key lookups rather than a join: the
 * planner picks index scans for them even before a fresh table has statistics.
 */
async function contactsByEmail(tx: SqlExecutor, launch: string, emails: readonly string[]): Promise<Map<string, string>> {
	const byEmail = new Map<string, string>();
	const unique = [...new Set(emails)];
	for (let i = 0; i < unique.length; i += 900) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ value: string; contact_id: string }>(
			`SELECT value, contact_id FROM identifiers WHERE launch = $1 AND kind = 'email' AND value IN (${inList(unique.slice(i, i + 900), params)})`,
			params,
		);
		for (const r of rows) byEmail.set(r.value, r.contact_id);
	}
	const active = new Set<string>();
	const ids = [...new Set(byEmail.values())];
	for (let i = 0; i < ids.length; i += 900) {
		const params: SqlValue[] = [];
		const rows = await tx.query<{ id: string }>(`SELECT id FROM contacts WHERE id IN (${inList(ids.slice(i, i + 900), params)}) AND status = 'active'`, params);
		for (const r of rows) active.add(r.id);
	}
	for (const [email, id] of byEmail) if (!active.has(id)) byEmail.delete(email);
	return byEmail;
}

/** Marks keys as seen; returns how many times each key of the batch is a duplicate. */
async function markSeen(tx: SqlExecutor, run: SweepRun, system: VendorSystem, rows: { key: string; contactId: string | null }[]): Promise<Map<string, number>> {
	const duplicates = new Map<string, number>();
	if (rows.length === 0) return duplicates;
	const inserted = new Set<string>();
	for (let i = 0; i < rows.length; i += 500) {
		const params: SqlValue[] = [run.id, system];
		const values = rows.slice(i, i + 500).map((r) => `($1, $2, ${inList([r.key, r.contactId], params)})`);
		const result = await tx.query<{ record_key: string }>(
			`INSERT INTO reconcile_seen (run_id, system, record_key, contact_id) VALUES ${values.join(', ')}
			 ON CONFLICT (run_id, system, record_key) DO NOTHING RETURNING record_key`,
			params,
		);
		for (const r of result) inserted.add(r.record_key);
	}
	const counted = new Map<string, number>();
	for (const r of rows) counted.set(r.key, (counted.get(r.key) ?? 0) + 1);
	for (const [key, n] of counted) {
		const extra = inserted.has(key) ? n - 1 : n;
		if (extra > 0) duplicates.set(key, extra);
	}
	return duplicates;
}

type FixOutcome = 'created' | 'reopened' | 'queued' | 'skipped';

interface Fix {
	kind: string;
	key: string;
	contactId: string;
	payload: Record<string, unknown>;
}

/**
 * Makes sure an entry with each fix's key is on its way: creates it, reopens it when it was done or
 * dead (the vendor still lacks what it delivered), or leaves an open one alone (refreshing its payload
 * unless a worker holds it). Discarded entries stay discarded: a person decided. One set-based
 * enqueue for the batch's fixes; outcomes in the order of `fixes`.
 */
async function ensureFixes(tx: SqlExecutor, run: SweepRun, fixes: readonly Fix[]): Promise<{ outcome: FixOutcome; entryId: string }[]> {
	if (fixes.length === 0) return [];
	const payloads = fixes.map((fix) => ({ ...fix.payload, reconcileRunId: run.id }));
	const results = await enqueueOutboxEntries(
		tx,
		fixes.map((fix, i) => ({ launch: run.launch, kind: fix.kind, idempotencyKey: fix.key, contactId: fix.contactId, payload: payloads[i], source: run.source })),
	);
	const outcomes: { outcome: FixOutcome; entryId: string }[] = [];
	for (const [i, result] of results.entries()) {
		if (result.created) {
			outcomes.push({ outcome: 'created', entryId: result.id });
			continue;
		}
		const now = Date.now();
		const payload = JSON.stringify(payloads[i]);
		if (result.status === 'done' || result.status === 'dead') {
			const n = await tx.execute(
				`UPDATE outbox SET status = 'pending', attempts = 0, payload = $2, next_attempt_at = $3, updated_at = $3 WHERE id = $1 AND status IN ('done', 'dead')`,
				[result.id, payload, now],
			);
			outcomes.push({ outcome: n === 1 ? 'reopened' : 'queued', entryId: result.id });
			continue;
		}
		if (result.status === 'discarded') {
			outcomes.push({ outcome: 'skipped', entryId: result.id });
			continue;
		}
		await tx.execute(`UPDATE outbox SET payload = $2, updated_at = $3 WHERE id = $1 AND status IN ('pending', 'failed', 'held')`, [result.id, payload, now]);
		outcomes.push({ outcome: 'queued', entryId: result.id });
	}
	return outcomes;
}

/** One fix (delivery and checkout findings, decided one order at a time). */
async function ensureFix(tx: SqlExecutor, run: SweepRun, fix: Fix): Promise<{ outcome: FixOutcome; entryId: string }> {
	const [outcome] = await ensureFixes(tx, run, [fix]);
	return outcome!;
}

/**
 * For the contacts `ids`, what their entries of `kinds` say about a list fetched at `listedAt`:
 * `open` — one is on its way (e.g. the sync capture enqueued), so no second one is needed;
 * `changed` — one was delivered, claimed or requeued at or after `listedAt`, or is in a worker's
 * hands now (it may have reached the vendor after the fetch without being acked yet), so the list
 * cannot tell whether the vendor has it. Dead and discarded entries change nothing at the vendor.
 */
async function entryStates(
	tx: SqlExecutor,
	launch: string,
	kinds: readonly string[],
	ids: readonly string[],
	listedAt: number,
	concerns: (entry: { kind: string; idempotency_key: string }) => boolean = () => true,
): Promise<{ open: Set<string>; changed: Set<string> }> {
	const open = new Set<string>();
	const changed = new Set<string>();
	for (let i = 0; i < ids.length; i += 500) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ contact_id: string; kind: string; idempotency_key: string; status: string; updated_at: number | string }>(
			`SELECT contact_id, kind, idempotency_key, status, updated_at FROM outbox WHERE launch = $1 AND kind IN (${inList(kinds, params)})
			 AND status NOT IN ('dead', 'discarded') AND contact_id IN (${inList(ids.slice(i, i + 500), params)})`,
			params,
		);
		for (const r of rows) {
			if (!concerns(r)) continue;
			if (OPEN_STATUSES.includes(r.status)) open.add(r.contact_id);
			if (r.status === 'claimed' || Number(r.updated_at) >= listedAt) changed.add(r.contact_id);
		}
	}
	return { open, changed };
}

/** Tags the contacts healed by created/reopened fixes and records one event per fix. */
async function markHealed(tx: SqlExecutor, run: SweepRun, healed: { contactId: string; entryId: string; finding: string; system: VendorSystem; outcome: FixOutcome }[]): Promise<void> {
	const fixed = healed.filter((h) => h.outcome === 'created' || h.outcome === 'reopened');
	if (fixed.length === 0) return;
	run.fixes += fixed.length;
	const tagged = await applySystemTag(tx, { launch: run.launch, contactIds: fixed.map((h) => h.contactId), tag: RECONCILED_TAG, kind: 'behaviour', source: run.source });
	run.healed += tagged.length;
	const events: NewLedgerEvent[] = fixed.map((h) => ({
		launch: run.launch,
		contactId: h.contactId,
		type: 'reconcile.fix',
		source: run.source,
		data: { runId: run.id, system: h.system, finding: h.finding, entryId: h.entryId, outcome: h.outcome },
	}));
	for (let i = 0; i < events.length; i += 500) await recordEvents(tx, events.slice(i, i + 500));
}

function readEmail(raw: unknown): string | null {
	try {
		return normalizeEmail(raw).value;
	} catch (error) {
		if (error instanceof LedgerInputError) return null;
		throw error;
	}
}

// ── per-system batches ──────────────────────────────────────────────────────────────────────────

async function contactBatch(tx: SqlExecutor, run: SweepRun, system: 'esp' | 'crm', records: VendorContactRecord[], report: SystemReport): Promise<void> {
	const findings: Finding[] = [];
	const valid: { record: VendorContactRecord; email: string }[] = [];
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

	// Tag drift: ledger tags the vendor lacks are added; registry tags the vendor has but the contact
	// does not are removed. Vendor tags the ledger does not manage are left alone.
	const withTags = valid.filter((v) => Array.isArray(v.record.tags) && contacts.has(v.email) && !duplicates.has(v.email));
	const ledgerTags = new Map<string, Set<string>>();
	const ids = [...new Set(withTags.map((v) => contacts.get(v.email)!))];
	for (let i = 0; i < ids.length; i += 500) {
		const params: SqlValue[] = [];
		const rows = await tx.query<{ contact_id: string; tag: string }>(`SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (${inList(ids.slice(i, i + 500), params)})`, params);
		for (const r of rows) (ledgerTags.get(r.contact_id) ?? ledgerTags.set(r.contact_id, new Set()).get(r.contact_id)!).add(r.tag);
	}
	const healed: Parameters<typeof markHealed>[2] = [];
	const drifts: { contactId: string; add: string[]; remove: string[]; fix: Fix }[] = [];
	for (const v of withTags) {
		const contactId = contacts.get(v.email)!;
		const vendorTags = new Set(v.record.tags!.filter((t) => typeof t === 'string').map((t) => normalizeTagKey(t)));
		const have = new Set([...(ledgerTags.get(contactId) ?? [])].filter((t) => !SYSTEM_TAGS.has(t)));
		const add = [...have].filter((t) => !vendorTags.has(t)).sort();
		const remove = [...vendorTags].filter((t) => run.registry.has(t) && !SYSTEM_TAGS.has(t) && !have.has(t)).sort();
		if (add.length === 0 && remove.length === 0) continue;
		report.tagDrift++;
		drifts.push({
			contactId,
			add,
			remove,
			fix: { kind: 'tag_sync', key: `reconcile:tag_sync:${system}:${contactId}`, contactId, payload: { system, email: v.email, vendorId: v.record.id ?? null, add, remove } },
		});
	}
	// A tag write delivered after the list was fetched makes the list's tags stale: those contacts are
	// compared again by the next sweep instead of being "fixed" now. Asked for drifted contacts only.
	if (drifts.length) {
		// Tag fixes are per system (their key names it): another system's tag write says nothing here.
		const ownTagFix = `reconcile:tag_sync:${system}:`;
		const { changed } = await entryStates(tx, run.launch, [SYNC_KIND[system], 'tag_sync'], drifts.map((d) => d.contactId), run.listedAt[system], (e) =>
			e.kind !== 'tag_sync' || e.idempotency_key.startsWith(ownTagFix),
		);
		for (let i = drifts.length - 1; i >= 0; i--) {
			if (!changed.has(drifts[i]!.contactId)) continue;
			drifts.splice(i, 1);
			report.tagDrift--;
			report.changedSinceListed++;
		}
	}
	const driftFixes = await ensureFixes(tx, run, drifts.map((d) => d.fix));
	for (const [i, { contactId, add, remove }] of drifts.entries()) {
		const fix = driftFixes[i]!;
		findings.push({ kind: 'tag_drift', system, contactId, data: { add, remove, entryId: fix.entryId, outcome: fix.outcome } });
		healed.push({ contactId, entryId: fix.entryId, finding: 'tag_drift', system, outcome: fix.outcome });
	}
	for (const v of valid) {
		if (contacts.has(v.email)) continue;
		report.unknownInLedger++;
		if (!duplicates.has(v.email)) findings.push({ kind: 'unknown_in_ledger', system, contactId: null, data: { email: v.email, id: v.record.id ?? null } });
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
}

async function deliveryBatch(tx: SqlExecutor, run: SweepRun, records: DeliveryEnrollmentRecord[], report: SystemReport, purchases?: PurchaseFactSource): Promise<void> {
	const findings: Finding[] = [];
	const valid: { record: DeliveryEnrollmentRecord; email: string; key: string }[] = [];
	for (const record of records) {
		const email = readEmail(record?.email);
		if (email === null || typeof record.productId !== 'string' || record.productId === '') {
			report.invalid++;
			findings.push({ kind: 'invalid_record', system: 'delivery', contactId: null, data: { email: record?.email ?? null, productId: record?.productId ?? null } });
		} else valid.push({ record, email, key: `${email}|${record.productId}` });
	}
	const contacts = await contactsByEmail(tx, run.launch, valid.map((v) => v.email));
	const duplicates = await markSeen(tx, run, 'delivery', valid.map((v) => ({ key: v.key, contactId: contacts.get(v.email) ?? null })));
	for (const [key, extra] of duplicates) {
		report.duplicates += extra;
		findings.push({ kind: 'duplicate', system: 'delivery', contactId: null, data: { enrollment: key, extraRecords: extra } });
	}
	const pairs = valid.filter((v) => contacts.has(v.email)).map((v) => ({ contactId: contacts.get(v.email)!, productId: v.record.productId }));
	const facts = purchases && pairs.length ? await purchases.forAccess(tx, run.launch, pairs) : [];
	const factByPair = new Map(facts.map((f) => [`${f.contactId}|${f.productId}`, f]));
	const healed: Parameters<typeof markHealed>[2] = [];
	for (const v of valid) {
		const contactId = contacts.get(v.email);
		if (!contactId) {
			report.unknownInLedger++;
			findings.push({ kind: 'unknown_in_ledger', system: 'delivery', contactId: null, data: { email: v.email, productId: v.record.productId } });
			continue;
		}
		const fact = factByPair.get(`${contactId}|${v.record.productId}`);
		// Enrolled although the ledger says refunded or the dispute was lost: revoke.
		if (fact && (fact.state === 'refunded' || fact.state === 'dispute_lost')) {
			report.revokes++;
			const fix = await ensureFix(tx, run, {
				kind: 'revoke',
				key: `reconcile:revoke:${contactId}:${v.record.productId}`,
				contactId,
				payload: { productId: v.record.productId, orderId: fact.orderId, reason: fact.state, email: v.email },
			});
			findings.push({ kind: 'revoke', system: 'delivery', contactId, data: { productId: v.record.productId, state: fact.state, entryId: fix.entryId, outcome: fix.outcome } });
			healed.push({ contactId, entryId: fix.entryId, finding: 'revoke', system: 'delivery', outcome: fix.outcome });
		}
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
}

async function checkoutBatch(tx: SqlExecutor, run: SweepRun, records: CheckoutOrderRecord[], report: SystemReport, purchases?: PurchaseFactSource): Promise<void> {
	const findings: Finding[] = [];
	const valid = records.filter((r) => {
		if (r && typeof r.orderId === 'string' && r.orderId !== '') return true;
		report.invalid++;
		findings.push({ kind: 'invalid_record', system: 'checkout', contactId: null, data: { orderId: r?.orderId ?? null } });
		return false;
	});
	const emailOf = new Map(valid.map((r) => [r.orderId, readEmail(r.email)]));
	const contacts = await contactsByEmail(tx, run.launch, [...emailOf.values()].filter((e): e is string => e !== null));
	const duplicates = await markSeen(tx, run, 'checkout', valid.map((r) => ({ key: r.orderId, contactId: contacts.get(emailOf.get(r.orderId) ?? '') ?? null })));
	for (const [orderId, extra] of duplicates) {
		report.duplicates += extra;
		findings.push({ kind: 'duplicate', system: 'checkout', contactId: null, data: { orderId, extraRecords: extra } });
	}
	const facts = purchases && valid.length ? await purchases.forOrders(tx, run.launch, [...new Set(valid.map((r) => r.orderId))]) : [];
	const factByOrder = new Map(facts.map((f) => [f.orderId, f]));
	const healed: Parameters<typeof markHealed>[2] = [];
	const handled = new Set<string>();
	for (const order of valid) {
		if (handled.has(order.orderId)) continue;
		handled.add(order.orderId);
		const fact = factByOrder.get(order.orderId);
		const email = emailOf.get(order.orderId) ?? null;
		const contactId = fact?.contactId ?? (email ? contacts.get(email) : undefined) ?? null;
		if (!contactId) {
			report.review++;
			await reviewOnce(tx, run, order, email);
			findings.push({ kind: 'purchase_without_contact', system: 'checkout', contactId: null, data: { orderId: order.orderId, email, productId: order.productId ?? null } });
			continue;
		}
		if (!fact) continue; // The ledger has not recorded this purchase: the vendor's status alone never grants.
		const productId = fact.productId;
		let kind: 'grant' | 'revoke' | null = null;
		if (fact.state === 'paid' && !fact.accessGranted) kind = 'grant';
		else if ((fact.state === 'refunded' || fact.state === 'dispute_lost') && fact.accessGranted) kind = 'revoke';
		if (!kind) continue;
		if (kind === 'grant') report.grants++;
		else report.revokes++;
		const fix = await ensureFix(tx, run, {
			kind,
			key: `reconcile:${kind}:${contactId}:${productId}`,
			contactId,
			payload: { productId, orderId: order.orderId, email, reason: kind === 'grant' ? 'paid_without_access' : fact.state },
		});
		findings.push({ kind, system: 'checkout', contactId, data: { orderId: order.orderId, productId, entryId: fix.entryId, outcome: fix.outcome } });
		healed.push({ contactId, entryId: fix.entryId, finding: kind === 'grant' ? 'paid_without_access' : String(fact.state), system: 'checkout', outcome: fix.outcome });
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
}

/** One open review item per order, however often the sweep runs. */
async function reviewOnce(tx: SqlExecutor, run: SweepRun, order: CheckoutOrderRecord, email: string | null): Promise<void> {
	const payload = { orderId: order.orderId, email, productId: order.productId ?? null, status: order.status ?? null };
	const [open] = await tx.query(`SELECT id FROM review_items WHERE launch = $1 AND kind = 'purchase_match' AND status = 'open' AND payload LIKE $2`, [
		run.launch,
		`{"orderId":${JSON.stringify(order.orderId)},%`,
	]);
	if (open) return;
	await openReviewItem(tx, { launch: run.launch, kind: 'purchase_match', reason: 'purchase_without_contact', payload, source: run.source });
}

/** Ledger contacts the vendor's list did not contain: one sync entry each (unless one is on its way). */
async function missingInVendor(store: Store, run: SweepRun, system: 'esp' | 'crm', report: SystemReport, batchSize: number): Promise<void> {
	let after = '';
	for (;;) {
		const page = await batchTransaction(store, async (tx) => {
			// A page of contacts by id, then which of them the vendor list had: two index lookups per
			// page, so the cost stays linear whatever the planner knows about the staging table.
			const contacts = await tx.query<{ id: string; email: string | null; status: string; is_test: number; created_at: number | string }>(
				`SELECT id, email, status, is_test, created_at FROM contacts WHERE launch = $1 AND id > $2 ORDER BY id LIMIT $3`,
				[run.launch, after, batchSize],
			);
			if (contacts.length === 0) return contacts;
			const params: SqlValue[] = [run.id, system];
			const seen = await tx.query<{ contact_id: string }>(
				`SELECT DISTINCT contact_id FROM reconcile_seen WHERE run_id = $1 AND system = $2 AND contact_id IN (${inList(contacts.map((c) => c.id), params)})`,
				params,
			);
			const seenIds = new Set(seen.map((r) => r.contact_id));
			const listedAt = run.listedAt[system];
			const absent = contacts.filter((c) => c.status === 'active' && Number(c.is_test) === 0 && !seenIds.has(c.id));
			if (absent.length === 0) return contacts;
			const kind = SYNC_KIND[system];
			const { open, changed } = await entryStates(tx, run.launch, [kind], absent.map((r) => r.id), listedAt);
			// Signed up, or synced, after the list was fetched: the list is no evidence either way.
			const rows = absent.filter((c) => Number(c.created_at) < listedAt && !changed.has(c.id));
			report.changedSinceListed += absent.length - rows.length;
			if (rows.length === 0) return contacts;
			const findings: Finding[] = [];
			const healed: Parameters<typeof markHealed>[2] = [];
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

/**
 * PostgreSQL plans the sweep's IN-list lookups as index scans only when it knows the tables' sizes;
 * right after a bulk import (or for the staging table, always) it does not, and a sequential scan
 * per batch makes the sweep quadratic. ANALYZE samples a bounded number of rows, so it is cheap.
 */
async function refreshPlannerStatistics(store: Store, tables: string[]): Promise<void> {
	if (store.dialect !== 'postgres') return;
	// Only an optimization: a database user that may not ANALYZE still gets a correct (slower) sweep.
	for (const table of tables) await store.execute(`ANALYZE ${table}`).catch(() => undefined);
}

/**
 * One batch's transaction. On PostgreSQL it first lowers random_page_cost for this transaction only
 * (SET LOCAL; the pool's other work keeps the server's setting). A batch looks up to 1000 keys at
 * once (IN lists on identifiers, contacts, contact_tags, reconcile_seen, outbox); with the default
 * cost of 4 — tuned for spinning disks — the planner prices 1000 index probes above one pass over a
 * 100k-row table and scans the whole table for every batch, so the sweep grows with the square of
 * the contacts (measured: a sequential scan of identifiers, 25–100 ms per batch at 100k, against
 * 6–9 ms by index). 1.1 is the usual value for SSDs and cached data; it only changes plans, never
 * results.
 */
async function batchTransaction<T>(store: Store, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
	return store.transaction(async (tx) => {
		if (tx.dialect === 'postgres') await tx.execute('SET LOCAL random_page_cost = 1.1');
		return work(tx);
	});
}

/**
 * Runs one sweep. Each batch is its own transaction, so a sweep over 100k records never holds one
 * long lock and what it fixed stays fixed if a later batch fails.
 */
export async function runReconcileSweep(store: Store, input: SweepInput): Promise<SweepReport> {
	if (typeof input.launch !== 'string' || input.launch.trim() === '') throw new LedgerInputError('launch', 'is required');
	const batchSize = input.batchSize ?? 1000;
	if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new LedgerInputError('batchSize', 'must be a whole number from 1 to 5000');
	const startedAt = Date.now();
	const run = new SweepRun(input.launch.trim(), input.source ?? 'reconcile-sweep', listedAtOf(input.listedAt, startedAt));
	await store.execute(`INSERT INTO reconcile_runs (id, launch, status, report, started_at) VALUES ($1, $2, 'running', '{}', $3)`, [run.id, run.launch, startedAt]);
	const systems: Partial<Record<VendorSystem, SystemReport>> = {};
	try {
		await refreshPlannerStatistics(store, ['contacts', 'identifiers', 'contact_tags']);
		const outbox = await outboxHealth(store, run.launch);
		const registry = await store.query<{ tag: string }>('SELECT tag FROM tag_registry WHERE launch = $1', [run.launch]);
		run.registry = new Set(registry.map((r) => r.tag));

		for (const system of ['esp', 'crm'] as const) {
			const stream = input[system];
			if (!stream) continue;
			const report = (systems[system] = emptyReport());
			for await (const batch of batches(stream, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => contactBatch(tx, run, system, batch, report));
			}
			await refreshPlannerStatistics(store, ['reconcile_seen']);
			await missingInVendor(store, run, system, report, batchSize);
		}
		if (input.delivery) {
			const report = (systems.delivery = emptyReport());
			for await (const batch of batches(input.delivery, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => deliveryBatch(tx, run, batch, report, input.purchases));
			}
		}
		if (input.checkout) {
			const report = (systems.checkout = emptyReport());
			for await (const batch of batches(input.checkout, batchSize)) {
				report.records += batch.length;
				await batchTransaction(store, (tx) => checkoutBatch(tx, run, batch, report, input.purchases));
			}
		}
		const listedAt = Object.fromEntries(Object.keys(systems).map((system) => [system, run.listedAt[system as VendorSystem]]));
		const result: SweepReport = { runId: run.id, launch: run.launch, outbox, systems, listedAt, fixes: run.fixes, healedContacts: run.healed, findings: run.findingSeq };
		await store.execute(`UPDATE reconcile_runs SET status = 'done', report = $2, finished_at = $3 WHERE id = $1`, [run.id, JSON.stringify(result), Date.now()]);
		return result;
	} catch (error) {
		await store.execute(`UPDATE reconcile_runs SET status = 'failed', report = $2, finished_at = $3 WHERE id = $1`, [
			run.id,
			JSON.stringify({ error: (error as Error).message, systems }),
			Date.now(),
		]);
		throw error;
	} finally {
		// The staging rows are only needed while the run compares.
		await store.execute('DELETE FROM reconcile_seen WHERE run_id = $1', [run.id]);
	}
}

/** A run's findings, in the order found; page with afterSeq. */
export async function listSweepFindings(
	tx: SqlExecutor,
	runId: string,
	options: { kinds?: string[]; afterSeq?: number; limit?: number } = {},
): Promise<SweepFinding[]> {
	const params: SqlValue[] = [runId, options.afterSeq ?? 0];
	let sql = 'SELECT seq, kind, system, contact_id, data FROM reconcile_findings WHERE run_id = $1 AND seq > $2';
	if (options.kinds?.length) sql += ` AND kind IN (${inList(options.kinds, params)})`;
	params.push(Math.min(Math.max(1, options.limit ?? 1000), 10_000));
	sql += ` ORDER BY seq LIMIT $${params.length}`;
	const rows = await tx.query<{ seq: number; kind: string; system: string | null; contact_id: string | null; data: string }>(sql, params);
	return rows.map((r) => ({ seq: Number(r.seq), kind: r.kind, system: r.system as VendorSystem | null, contactId: r.contact_id, data: JSON.parse(r.data) as Record<string, unknown> }));
}
