import { applyTouch, normalizeTouch, type Touch } from '../attribution';
import { LedgerInputError } from '../errors';
import { timeOrderedUuid } from '../ids';
import { recordEvents, type NewLedgerEvent } from '../events';
import { isEmptyValue, mergeProfile } from './field-merge';
import { runMergeSteps, runUnmergeSteps, type MergeStep } from './steps';
import { assertNotForgotten } from './tombstones';
import { normalizeIdentifier, type NormalizedIdentifier } from '../normalize';
import { openReviewItem, resolveReviewItem, type ReviewItem } from '../review/review';
import { getLaunchSettings, policyFor, settingsFromData, type LaunchSettings } from '../settings/settings';
import type { SqlExecutor, SqlValue, Store } from '../store';
import {
	appliedTagOutcome,
	planResolvedTags,
	readSettingsAndTags,
	settingsAndTagsFromRows,
	settingsAndTagsSql,
	tagKeys,
	tagList,
	tagsToApply,
	writeTagPlan,
	type RegistryRow,
	type ResolvedTag,
	type SettingsAndTags,
	type TagChangeResult,
	type TagPlan,
} from '../tags/resolve';

export { normalizeEmail, normalizePhone, normalizeIdentifier, type NormalizedEmail, type NormalizedIdentifier } from '../normalize';

export interface IdentifierInput {
	/** email, phone, customer_id, purchase_token or ext:<system> (e.g. ext:mailchimp). */
	kind: string;
	value: string;
}

export interface UpsertContactInput {
	launch: string;
	/** Required when the launch's canonical key is email (the default). */
	email?: string;
	/** Required when the canonical key is phone. Read in the launch's default country without +code. */
	phone?: string;
	/** Required when the canonical key is customer_id. */
	customerId?: string;
	/** Further identifiers to link (ESP/CRM record ids, a second email …). Conflicts go to review. */
	identifiers?: IdentifierInput[];
	/** Profile fields such as first_name; merged per the launch's merge policy. */
	fields?: Record<string, unknown>;
	/** Campaign parameters of this touch; sets first touch once, moves last touch. */
	attribution?: Record<string, unknown>;
	/** Consent flags, e.g. { marketing_email: true }; later values replace earlier ones per key. */
	consent?: Record<string, unknown>;
	/** Tags to apply, resolved through the launch's tag registry and unknown-tag policy. */
	tags?: string[] | string;
	source?: string;
	isTest?: boolean;
	/** When the data was observed (epoch ms); orders first-/last-wins and is checked against forget. */
	receivedAt?: number;
	/** True when this is a replay of an old entry (inbox, outbox, sweep): it must not re-create a forgotten person. */
	replay?: boolean;
}

export interface UpsertContactResult {
	contactId: string;
	created: boolean;
	/** What changed, with before and after: profile fields, plus first_touch / last_touch / consent.<key>. */
	changes: Record<string, { before: unknown; after: unknown }>;
	/** Identifiers that were linked by this call. */
	linked: NormalizedIdentifier[];
	/** Links the ledger refused to make on its own; each is an open review item. */
	conflicts: ReviewItem[];
	tags: TagChangeResult;
}

export interface ContactRecord {
	id: string;
	launch: string;
	status: 'active' | 'merged' | 'forgotten' | (string & {});
	email: string | null;
	phone: string | null;
	profile: Record<string, unknown>;
	firstTouch: Touch | null;
	lastTouch: Touch | null;
	consent: Record<string, unknown>;
	isTest: boolean;
	mergedInto: string | null;
	identifiers: { kind: string; value: string; display: string | null }[];
	tags: string[];
	createdAt: number;
	updatedAt: number;
}

type ContactRow = {
	id: string;
	launch: string;
	status: string;
	email: string | null;
	phone: string | null;
	profile: string;
	field_times: string;
	first_touch: string | null;
	last_touch: string | null;
	consent: string | null;
	is_test: number;
	merged_into: string | null;
	created_at: number;
	updated_at: number;
};

const CONTACT_COLUMNS = 'id, launch, status, email, phone, profile, field_times, first_touch, last_touch, consent, is_test, merged_into, created_at, updated_at';
const RESERVED_FIELDS = new Set(['email', 'phone', 'customer_id', 'first_touch', 'last_touch', 'consent', 'tags']);

function parseJson<T>(text: string | null, fallback: T): T {
	return text ? (JSON.parse(text) as T) : fallback;
}

export function lockSuffix(tx: SqlExecutor): string {
	return tx.dialect === 'postgres' ? ' FOR UPDATE' : '';
}

/** Reads contacts and, on PostgreSQL, locks them in id order (a fixed order cannot deadlock). */
export async function lockContacts(tx: SqlExecutor, ids: readonly string[]): Promise<Map<string, ContactRow>> {
	const unique = [...new Set(ids)].sort();
	const placeholders = unique.map((_, i) => `$${i + 1}`).join(', ');
	const rows = await tx.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id IN (${placeholders}) ORDER BY id${lockSuffix(tx)}`, unique);
	return new Map(rows.map((r) => [r.id, r]));
}

function validateLaunch(launch: unknown): string {
	if (typeof launch !== 'string' || launch.trim() === '') throw new LedgerInputError('launch', 'is required, e.g. "default"');
	return launch.trim();
}

function validateFields(fields: unknown): Record<string, unknown> {
	if (fields === undefined || fields === null) return {};
	if (typeof fields !== 'object' || Array.isArray(fields)) throw new LedgerInputError('fields', 'must be an object such as {"first_name": "Ada"}');
	for (const key of Object.keys(fields)) {
		if (RESERVED_FIELDS.has(key)) {
			throw new LedgerInputError(`fields.${key}`, `is not a profile field: pass ${key} as its own input (email, phone, customerId, attribution, consent or tags)`);
		}
	}
	return fields as Record<string, unknown>;
}

function validateConsent(consent: unknown): Record<string, unknown> {
	if (consent === undefined || consent === null) return {};
	if (typeof consent !== 'object' || Array.isArray(consent)) throw new LedgerInputError('consent', 'must be an object such as {"marketing_email": true}');
	return Object.fromEntries(Object.entries(consent).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

function identifierOptions(settings: LaunchSettings) {
	return { defaultCountry: settings.defaultCountry, gmail: settings.gmailNormalization };
}

/** The identifiers of an upsert, canonical first. */
function collectIdentifiers(input: UpsertContactInput, settings: LaunchSettings): NormalizedIdentifier[] {
	const opts = identifierOptions(settings);
	const named: Record<string, { value: unknown; field: string }> = {
		email: { value: input.email, field: 'email' },
		phone: { value: input.phone, field: 'phone' },
		customer_id: { value: input.customerId, field: 'customerId' },
	};
	const canonical = named[settings.canonicalKey]!;
	if (isEmptyValue(canonical.value)) {
		const example = settings.canonicalKey === 'email' ? 'e.g. "ada@example.com"' : settings.canonicalKey === 'phone' ? 'e.g. "+1 415 555 2671"' : 'e.g. "cus_123"';
		throw new LedgerInputError(canonical.field, `is required (${example}): this launch matches contacts by ${settings.canonicalKey}`);
	}
	const ids = [normalizeIdentifier(settings.canonicalKey, canonical.value, { ...opts, field: canonical.field })];
	for (const [kind, { value, field }] of Object.entries(named)) {
		if (kind === settings.canonicalKey || isEmptyValue(value)) continue;
		ids.push(normalizeIdentifier(kind, value, { ...opts, field }));
	}
	if (input.identifiers !== undefined && !Array.isArray(input.identifiers)) {
		throw new LedgerInputError('identifiers', 'must be a list like [{"kind": "ext:mailchimp", "value": "abc123"}]');
	}
	for (const [i, extra] of (input.identifiers ?? []).entries()) {
		if (!extra || typeof extra !== 'object') throw new LedgerInputError(`identifiers[${i}]`, 'must be {"kind": …, "value": …}');
		ids.push(normalizeIdentifier(String(extra.kind), extra.value, { ...opts, field: `identifiers[${i}].value` }));
	}
	const seen = new Set<string>();
	return ids.filter((id) => {
		const key = `${id.kind}\u0000${id.value}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}

interface ContactState {
	profile: Record<string, unknown>;
	fieldTimes: Record<string, number>;
	firstTouch: Touch | null;
	lastTouch: Touch | null;
	consent: Record<string, unknown>;
}

function stateOf(row: ContactRow): ContactState {
	return {
		profile: parseJson(row.profile, {}),
		fieldTimes: parseJson(row.field_times, {}),
		firstTouch: parseJson<Touch | null>(row.first_touch, null),
		lastTouch: parseJson<Touch | null>(row.last_touch, null),
		consent: parseJson(row.consent, {}),
	};
}

/** Applies one upsert's data to a contact's state; returns the new state and what changed. */
function applyUpsert(
	state: ContactState,
	update: { fields: Record<string, unknown>; touch: Touch | null; consent: Record<string, unknown>; at: number; creating: boolean },
	settings: LaunchSettings,
): { next: ContactState; changes: UpsertContactResult['changes'] } {
	const merged = mergeProfile(state, update.fields, update.at, (f) => policyFor(settings, f), { creating: update.creating });
	const changes = { ...merged.changes };
	const touches = applyTouch(state, update.touch);
	if (touches.firstTouch !== state.firstTouch) changes.first_touch = { before: state.firstTouch, after: touches.firstTouch };
	if (touches.lastTouch !== state.lastTouch) changes.last_touch = { before: state.lastTouch, after: touches.lastTouch };
	const consent = { ...state.consent };
	for (const [key, value] of Object.entries(update.consent)) {
		if (JSON.stringify(consent[key]) === JSON.stringify(value)) continue;
		changes[`consent.${key}`] = { before: consent[key] ?? null, after: value };
		consent[key] = value;
	}
	return { next: { profile: merged.profile, fieldTimes: merged.fieldTimes, firstTouch: touches.firstTouch, lastTouch: touches.lastTouch, consent }, changes };
}

/** The contact holding an identifier, locked; follows a concurrent merge that moved it. */
async function lockOwnerOf(tx: SqlExecutor, launch: string, id: NormalizedIdentifier): Promise<ContactRow> {
	for (let attempt = 0; attempt < 5; attempt++) {
		const [owner] = await tx.query<{ contact_id: string }>('SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3', [
			launch,
			id.kind,
			id.value,
		]);
		if (!owner) throw new Error(`identifier ${id.kind} of launch ${launch} vanished during upsert (was the contact forgotten concurrently?)`);
		const row = (await lockContacts(tx, [owner.contact_id])).get(owner.contact_id);
		if (row && row.status === 'active') return row;
		// A merge committed between our two reads and moved the identifier; read it again.
	}
	throw new Error(`identifier ${id.kind} of launch ${launch} keeps moving between contacts; retry the upsert`);
}

const EMPTY_STATE: ContactState = { profile: {}, fieldTimes: {}, firstTouch: null, lastTouch: null, consent: {} };

/**
 * PostgreSQL: claims the canonical identifier and, only if the claim succeeded, inserts the contact,
 * its tags and all of the call's events — one statement, one round trip. Returns null (and has
 * written nothing) when another contact already holds the identifier.
 */
async function createInOneStatement(
	tx: SqlExecutor,
	c: {
		launch: string;
		canonical: NormalizedIdentifier;
		contactId: string;
		now: number;
		contactValues: SqlValue[];
		createdEvent: NewLedgerEvent;
		tagPlan: TagPlan | null;
		source?: string;
		/**
		 * Settings and registry rows this create was planned from, read earlier: the statement writes
		 * only if re-reading them now (in its own snapshot) gives the same rows, else returns 'stale'.
		 */
		plannedFrom?: { keys: readonly string[]; rows: readonly RegistryRow[] };
	},
): Promise<{ tags: TagChangeResult } | 'stale' | null> {
	const byTag = c.tagPlan ? tagsToApply(c.tagPlan) : new Map<string, ResolvedTag>();
	// A new contact has no tags yet, so every planned tag is applied.
	const outcome = c.tagPlan
		? appliedTagOutcome(c.tagPlan, c.contactId, byTag, new Set(byTag.keys()), { source: c.source, at: c.now })
		: { applied: [], unchanged: [], events: [] };
	const events = [c.createdEvent, ...outcome.events];
	const params: SqlValue[] = [c.launch, c.canonical.kind, c.canonical.value, c.contactId, c.canonical.display, c.now, c.source ?? null, ...c.contactValues];
	// $8..$15: email, phone, profile, field_times, first_touch, last_touch, consent, is_test
	const tagValues = [...byTag.keys()].map((tag) => {
		params.push(tag);
		return `($${params.length})`;
	});
	const eventValues = events.map((e, i) => {
		params.push(i, e.type, JSON.stringify(e.data ?? {}));
		const n = params.length;
		return `($${n - 2}::int, $${n - 1}, $${n})`;
	});
	const tagsCte = tagValues.length
		? `, t AS (
			INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at)
			SELECT claim.contact_id, v.tag, $1, $7, $6::bigint FROM claim CROSS JOIN (VALUES ${tagValues.join(', ')}) AS v(tag))`
		: '';
	let guard = '';
	let claimSource = 'VALUES ($1, $2, $3, $4, $5, $6)';
	if (c.plannedFrom) {
		// Multiset equality of what is stored now and what the plan was made from (EXCEPT ALL both
		// ways; NULLs compare equal there). The claim, and so every insert, happens only if it holds.
		const current = settingsAndTagsSql(c.plannedFrom.keys, params);
		params.push(JSON.stringify(c.plannedFrom.rows.map((r) => ({ src: r.src, k: r.k, tag: r.tag, kind: r.kind }))));
		guard = `cur AS (${current}),
		planned AS (SELECT src, k, tag, kind FROM json_to_recordset($${params.length}::json) AS p(src text, k text, tag text, kind text)),
		fresh AS (
			SELECT 1 AS ok WHERE NOT EXISTS (SELECT src, k, tag, kind FROM cur EXCEPT ALL SELECT src, k, tag, kind FROM planned)
			                 AND NOT EXISTS (SELECT src, k, tag, kind FROM planned EXCEPT ALL SELECT src, k, tag, kind FROM cur)
		), `;
		claimSource = 'SELECT $1, $2, $3, $4, $5, $6::bigint FROM fresh';
	}
	const [row] = await tx.query<{ contact_id: string | null; fresh: boolean }>(
		`WITH ${guard}claim AS (
			INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at)
			${claimSource}
			ON CONFLICT (launch, kind, value) DO NOTHING
			RETURNING contact_id
		), c AS (
			INSERT INTO contacts (id, launch, status, email, phone, profile, field_times, first_touch, last_touch, consent, is_test, created_at, updated_at)
			SELECT claim.contact_id, $1, 'active', $8, $9, $10, $11, $12, $13, $14, $15::int, $6::bigint, $6::bigint FROM claim
		)${tagsCte}, e AS (
			INSERT INTO events (launch, contact_id, type, source, data, created_at)
			SELECT $1, claim.contact_id, v.type, $7, v.data, $6::bigint FROM claim CROSS JOIN (VALUES ${eventValues.join(', ')}) AS v(ord, type, data)
			ORDER BY v.ord
		)
		SELECT (SELECT contact_id FROM claim) AS contact_id, ${c.plannedFrom ? 'EXISTS (SELECT 1 FROM fresh)' : 'true'} AS fresh`,
		params,
	);
	if (!row?.fresh) return 'stale';
	if (row.contact_id === null) return null;
	return { tags: { applied: outcome.applied, unchanged: outcome.unchanged, quarantined: [] } };
}

/** An upsert read and validated, with what it writes if it creates the contact; nothing written yet. */
interface PreparedUpsert {
	input: UpsertContactInput;
	launch: string;
	settings: LaunchSettings;
	now: number;
	at: number;
	ids: NormalizedIdentifier[];
	fields: Record<string, unknown>;
	touch: Touch | null;
	consent: Record<string, unknown>;
	tagPlan: TagPlan | null;
	candidateId: string;
	creation: { next: ContactState; changes: UpsertContactResult['changes'] };
	createdEvent: NewLedgerEvent;
	contactValues: SqlValue[];
	/** PostgreSQL can create this contact in one statement (one identifier, no quarantined tag). */
	oneStatement: boolean;
	/** The settings and registry rows it was prepared from. */
	context: SettingsAndTags;
}

/**
 * The reads and the validation of an upsert — everything before its first write. Only plain reads
 * (no row locks), so on PostgreSQL they may run outside the writing transaction: under READ
 * COMMITTED each statement sees what was committed when it started, inside a transaction or not.
 */
async function prepareUpsert(tx: SqlExecutor, input: UpsertContactInput, known?: SettingsAndTags): Promise<PreparedUpsert> {
	const launch = validateLaunch(input.launch);
	// Settings and the registry entries for this call's tags in one statement (a round trip less on
	// PostgreSQL); both are read from the database on every call, so changes from any process count.
	let tagInputs: string[] = [];
	let tagListError: unknown;
	try {
		tagInputs = tagList(input.tags);
	} catch (error) {
		tagListError = error; // reported after the other inputs' errors, as before
	}
	const context = known ?? (await readSettingsAndTags(tx, launch, tagInputs));
	const settings = settingsFromData(context.settingsData);
	const now = Date.now();
	if (input.receivedAt !== undefined && (typeof input.receivedAt !== 'number' || !Number.isFinite(input.receivedAt))) {
		throw new LedgerInputError('receivedAt', 'must be epoch milliseconds');
	}
	const at = input.receivedAt ?? now;
	// Validate everything before the first write, so bad input leaves no half-done contact.
	const ids = collectIdentifiers(input, settings);
	const fields = validateFields(input.fields);
	const touch = normalizeTouch(input.attribution, at);
	const consent = validateConsent(input.consent);
	if (tagListError) throw tagListError;
	if (context.tagError) throw context.tagError;
	const tagPlan = tagInputs.length ? await planResolvedTags(tx, launch, context.resolved, settings.unknownTagPolicy) : null;
	if (input.replay || input.receivedAt !== undefined) await assertNotForgotten(tx, launch, ids, { receivedAt: input.receivedAt, replay: input.replay });

	const canonical = ids[0]!;
	const candidateId = timeOrderedUuid(now);
	// What the contact is if this call creates it (only the canonical identifier is held yet; further
	// ones fill email/phone when their link succeeds).
	const creation = applyUpsert(EMPTY_STATE, { fields, touch, consent, at, creating: true }, settings);
	const createdEvent: NewLedgerEvent = {
		launch,
		contactId: candidateId,
		type: 'contact.created',
		source: input.source,
		data: { identifier: { kind: canonical.kind, value: canonical.display }, changes: creation.changes },
		at: now,
	};
	const contactValues: SqlValue[] = [
		canonical.kind === 'email' ? canonical.display : null,
		canonical.kind === 'phone' ? canonical.value : null,
		JSON.stringify(creation.next.profile),
		JSON.stringify(creation.next.fieldTimes),
		creation.next.firstTouch ? JSON.stringify(creation.next.firstTouch) : null,
		creation.next.lastTouch ? JSON.stringify(creation.next.lastTouch) : null,
		Object.keys(creation.next.consent).length ? JSON.stringify(creation.next.consent) : null,
		input.isTest ? 1 : 0,
	];
	// The common signup — one identifier, tags without quarantine — in one statement (PostgreSQL
	// only: SQLite has no INSERT in WITH).
	const oneStatement = tx.dialect === 'postgres' && ids.length === 1 && (!tagPlan || tagPlan.quarantine.length === 0);
	return { input, launch, settings, now, at, ids, fields, touch, consent, tagPlan, candidateId, creation, createdEvent, contactValues, oneStatement, context };
}

/**
 * The one-statement create of a prepared upsert (PostgreSQL). Every insert hangs off the identifier
 * claim, so when the identifier is already held nothing is written and null is returned: the caller
 * goes on with completeUpsert.
 */
async function createPrepared(tx: SqlExecutor, p: PreparedUpsert, guarded = false): Promise<UpsertContactResult | 'stale' | null> {
	if (!p.oneStatement) return null;
	const created = await createInOneStatement(tx, {
		launch: p.launch,
		canonical: p.ids[0]!,
		contactId: p.candidateId,
		now: p.now,
		contactValues: p.contactValues,
		createdEvent: p.createdEvent,
		tagPlan: p.tagPlan,
		source: p.input.source,
		plannedFrom: guarded ? { keys: p.context.keys, rows: p.context.rows } : undefined,
	});
	if (created === 'stale') return 'stale';
	return created ? { contactId: p.candidateId, created: true, changes: p.creation.changes, linked: [p.ids[0]!], conflicts: [], tags: created.tags } : null;
}

/**
 * Creates the contact for the canonical identifier, or updates the one that holds it. Race-free: the
 * identifier's primary key decides which of two concurrent callers creates the contact; the other
 * finds it and merges into it. Everything (profile, attribution, consent, links, tags, events)
 * happens in the caller's transaction.
 */
export async function upsertContact(tx: SqlExecutor, input: UpsertContactInput): Promise<UpsertContactResult> {
	const prepared = await prepareUpsert(tx, input);
	const created = await createPrepared(tx, prepared);
	// 'stale' only comes from a guarded create; this one is not guarded.
	return created && created !== 'stale' ? created : completeUpsert(tx, prepared);
}

/**
 * Settings and registry rows last read per (launch, tag keys), per store — PostgreSQL only. They are
 * never trusted: a create planned from them runs with a guard that re-reads the same rows inside
 * its own statement and writes nothing unless they are unchanged (see createInOneStatement). A
 * bounded map: one entry per distinct tag combination in use.
 */
const plannedContexts = new WeakMap<Store, Map<string, SettingsAndTags>>();
const PLANNED_CONTEXTS_LIMIT = 256;

function rememberContext(store: Store, key: string, context: SettingsAndTags): void {
	let byKey = plannedContexts.get(store);
	if (!byKey) plannedContexts.set(store, (byKey = new Map()));
	byKey.delete(key);
	if (byKey.size >= PLANNED_CONTEXTS_LIMIT) byKey.delete(byKey.keys().next().value!);
	byKey.set(key, context);
}

/**
 * An upsert that is a whole transaction of its own (contacts.upsert). On PostgreSQL the common
 * signup needs no BEGIN/COMMIT: its one write statement is atomic by itself. When the launch's
 * settings and registry rows for these tags were read before, the create is planned from them and
 * sent as one guarded statement — one round trip; the guard re-reads those rows in the statement's
 * own snapshot and writes nothing if they changed (then the call starts over from a fresh read).
 * Otherwise the reads run as plain statements first (two round trips). Everything else (an update,
 * several identifiers, quarantined tags) continues in a transaction, after the same reads. The
 * result and every guarantee are those of upsertContact: the identifier's primary key decides
 * between concurrent callers, nothing is written unless the whole create is, and a settings or
 * registry change committed by any process applies to the next call. Errors always come from a
 * fresh read, never from remembered rows.
 */
export async function upsertContactAlone(store: Store, input: UpsertContactInput): Promise<UpsertContactResult> {
	if (store.dialect !== 'postgres') return store.transaction((tx) => upsertContact(tx, input));
	const rememberedKey = contextKey(input);
	const remembered = rememberedKey === null ? undefined : plannedContexts.get(store)?.get(rememberedKey);
	// Replays and back-dated upserts also read forget tombstones; they take the fresh path.
	if (remembered && !input.replay && input.receivedAt === undefined) {
		const prepared = await prepareUpsert(store, input, settingsAndTagsFromRows(tagList(input.tags), remembered.keys, remembered.rows)).catch(() => null);
		if (prepared?.oneStatement) {
			const created = await createPrepared(store, prepared, true);
			if (created && created !== 'stale') return created;
			// The identifier is held (and the rows were current): the update path, in a transaction.
			if (created === null) return store.transaction((tx) => completeUpsert(tx, prepared));
		}
	}
	const prepared = await prepareUpsert(store, input);
	if (rememberedKey !== null && !prepared.context.tagError) rememberContext(store, rememberedKey, prepared.context);
	const created = await createPrepared(store, prepared);
	return created && created !== 'stale' ? created : store.transaction((tx) => completeUpsert(tx, prepared));
}

/** One input's outcome in upsertContactsInOrder: its result, or the error contacts.upsert would have thrown. */
export type UpsertManyOutcome = { ok: true; result: UpsertContactResult } | { ok: false; error: Error };

/** Inputs per transaction in upsertContactsInOrder: long enough to share a commit, short enough not to hold SQLite's write lock for long. */
export const UPSERT_MANY_CHUNK = 100;

/**
 * Upserts inputs in order with the outcome of one contacts.upsert per input (an input that fails
 * does not stop the others; a later input sees what an earlier one wrote). On SQLite, where the
 * commit is most of an upsert's cost, up to UPSERT_MANY_CHUNK inputs share one transaction: each
 * input's reads and validation run first and write nothing, so an input error is reported for
 * that input alone; if a write fails, the chunk is rolled back and its inputs are upserted one by
 * one instead, so the outcome never depends on batching. On PostgreSQL each input is one
 * upsertContactAlone (already one round trip for a new contact, with no transaction to share).
 */
export async function upsertContactsInOrder(store: Store, inputs: readonly UpsertContactInput[]): Promise<UpsertManyOutcome[]> {
	const outcomes: UpsertManyOutcome[] = [];
	const settle = async (input: UpsertContactInput) => {
		try {
			outcomes.push({ ok: true, result: await upsertContactAlone(store, input) });
		} catch (error) {
			outcomes.push({ ok: false, error: error as Error });
		}
	};
	if (store.dialect === 'postgres') {
		for (const input of inputs) await settle(input);
		return outcomes;
	}
	for (let start = 0; start < inputs.length; start += UPSERT_MANY_CHUNK) {
		const chunk = inputs.slice(start, start + UPSERT_MANY_CHUNK);
		const chunkOutcomes = await store
			.transaction(async (tx) => {
				const done: UpsertManyOutcome[] = [];
				for (const input of chunk) {
					let prepared: PreparedUpsert;
					try {
						prepared = await prepareUpsert(tx, input);
					} catch (error) {
						done.push({ ok: false, error: error as Error });
						continue;
					}
					done.push({ ok: true, result: await completeUpsert(tx, prepared) });
				}
				return done;
			})
			.catch(() => null);
		if (chunkOutcomes) outcomes.push(...chunkOutcomes);
		else for (const input of chunk) await settle(input);
	}
	return outcomes;
}

/** The remembered-context key of an upsert: launch and normalized tag keys; null when the input is not valid. */
function contextKey(input: UpsertContactInput): string | null {
	try {
		return [validateLaunch(input.launch), ...tagKeys(tagList(input.tags))].join('\u0000');
	} catch {
		return null;
	}
}

/** The write path of an upsert after prepareUpsert (and after a one-statement create found the identifier held). */
async function completeUpsert(tx: SqlExecutor, p: PreparedUpsert): Promise<UpsertContactResult> {
	const { input, launch, settings, now, at, ids, fields, touch, consent, tagPlan, candidateId, creation, createdEvent, contactValues } = p;
	const canonical = ids[0]!;
	const events: NewLedgerEvent[] = [];
	const claimed = await tx.query<{ contact_id: string }>(
		`INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (launch, kind, value) DO NOTHING
		 RETURNING contact_id`,
		[launch, canonical.kind, canonical.value, candidateId, canonical.display, now],
	);
	const created = claimed.length === 1;
	let contactId: string;
	let changes: UpsertContactResult['changes'];
	if (created) {
		contactId = candidateId;
		changes = creation.changes;
		await tx.execute(
			`INSERT INTO contacts (id, launch, status, email, phone, profile, field_times, first_touch, last_touch, consent, is_test, created_at, updated_at)
			 VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			[contactId, launch, ...contactValues, now],
		);
		events.push(createdEvent);
	} else {
		const row = await lockOwnerOf(tx, launch, canonical);
		contactId = row.id;
		const applied = applyUpsert(stateOf(row), { fields, touch, consent, at, creating: false }, settings);
		changes = applied.changes;
		if (Object.keys(changes).length > 0) {
			const s = applied.next;
			await tx.execute(
				`UPDATE contacts SET profile = $1, field_times = $2, first_touch = $3, last_touch = $4, consent = $5, updated_at = $6 WHERE id = $7`,
				[
					JSON.stringify(s.profile),
					JSON.stringify(s.fieldTimes),
					s.firstTouch ? JSON.stringify(s.firstTouch) : null,
					s.lastTouch ? JSON.stringify(s.lastTouch) : null,
					Object.keys(s.consent).length ? JSON.stringify(s.consent) : null,
					now,
					contactId,
				],
			);
			events.push({ launch, contactId, type: 'contact.updated', source: input.source, data: { changes }, at: now });
		}
	}
	const linked: NormalizedIdentifier[] = created ? [canonical] : [];
	const conflicts: ReviewItem[] = [];
	for (const id of ids.slice(1)) {
		const link = await linkNormalizedIdentifier(tx, { launch, contactId, identifier: id, settings, source: input.source, contactLocked: true });
		if (link.status === 'linked') linked.push(id);
		if (link.review) conflicts.push(link.review);
	}
	const tags = tagPlan ? await writeTagPlan(tx, contactId, tagPlan, { source: input.source, at: now, events }) : { applied: [], unchanged: [], quarantined: [] };
	// One statement for the upsert's own events (links and reviews record theirs as they happen).
	await recordEvents(tx, events);
	return { contactId, created, changes, linked, conflicts, tags };
}

export interface LinkIdentifierInput {
	launch: string;
	contactId: string;
	kind: string;
	value: string;
	source?: string;
}

export interface LinkIdentifierResult {
	status: 'linked' | 'already_linked' | 'conflict';
	identifier: NormalizedIdentifier;
	/** Set when status is conflict: the open review item that records why. */
	review?: ReviewItem;
}

async function linkNormalizedIdentifier(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; identifier: NormalizedIdentifier; settings: LaunchSettings; source?: string; contactLocked: boolean },
): Promise<LinkIdentifierResult> {
	const { launch, contactId, identifier: id } = input;
	if (!input.contactLocked) {
		const row = (await lockContacts(tx, [contactId])).get(contactId);
		if (!row || row.launch !== launch) throw new LedgerInputError('contactId', `no contact "${contactId}" in launch "${launch}"`);
		if (row.status !== 'active') throw new LedgerInputError('contactId', `contact ${contactId} is ${row.status}; link to the contact it was merged into instead`);
	}
	const ownerOf = async () =>
		(await tx.query<{ contact_id: string }>('SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3', [launch, id.kind, id.value]))[0]
			?.contact_id;
	const conflict = async (reason: string, otherContactId: string | null, extra: Record<string, unknown>): Promise<LinkIdentifierResult> => {
		const review = await openReviewItem(tx, {
			launch,
			kind: 'link_identifier',
			reason,
			contactId,
			otherContactId,
			payload: { kind: id.kind, value: id.value, display: id.display, ...extra },
			source: input.source,
		});
		return { status: 'conflict', identifier: id, review };
	};

	const limit = input.settings.identifierLimits[id.kind];
	if (limit !== undefined) {
		const [row] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM identifiers WHERE contact_id = $1 AND kind = $2', [contactId, id.kind]);
		if (Number(row?.n ?? 0) >= limit) {
			const owner = await ownerOf();
			if (owner === contactId) return { status: 'already_linked', identifier: id };
			if (owner) return conflict('identifier_owned_by_other_contact', owner, {});
			return conflict('identifier_limit_reached', null, { limit });
		}
	}
	const now = Date.now();
	// The primary key settles a race between two contacts claiming one identifier: one insert wins,
	// the other finds the owner below and opens a review item.
	const inserted = await tx.query<{ contact_id: string }>(
		`INSERT INTO identifiers (launch, kind, value, contact_id, display_value, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		 ON CONFLICT (launch, kind, value) DO NOTHING RETURNING contact_id`,
		[launch, id.kind, id.value, contactId, id.display, now],
	);
	if (inserted.length === 0) {
		const owner = await ownerOf();
		if (owner === contactId) return { status: 'already_linked', identifier: id };
		return conflict('identifier_owned_by_other_contact', owner ?? null, {});
	}
	if (id.kind === 'email') await tx.execute('UPDATE contacts SET email = COALESCE(email, $1) WHERE id = $2', [id.display, contactId]);
	if (id.kind === 'phone') await tx.execute('UPDATE contacts SET phone = COALESCE(phone, $1) WHERE id = $2', [id.value, contactId]);
	await recordEvents(tx, [{ launch, contactId, type: 'identifier.linked', source: input.source, data: { kind: id.kind, value: id.display }, at: now }]);
	return { status: 'linked', identifier: id };
}

/** Links one more identifier to a contact; a limit or another owner turns it into a review item. */
export async function linkIdentifier(tx: SqlExecutor, input: LinkIdentifierInput): Promise<LinkIdentifierResult> {
	const launch = validateLaunch(input.launch);
	const settings = await getLaunchSettings(tx, launch);
	const identifier = normalizeIdentifier(input.kind, input.value, { ...identifierOptions(settings), field: 'value' });
	return linkNormalizedIdentifier(tx, { launch, contactId: input.contactId, identifier, settings, source: input.source, contactLocked: false });
}

/** Unlinks an identifier (not the last one: a contact always keeps a way to be found). */
export async function unlinkIdentifier(tx: SqlExecutor, input: LinkIdentifierInput): Promise<{ unlinked: boolean }> {
	const launch = validateLaunch(input.launch);
	const settings = await getLaunchSettings(tx, launch);
	const id = normalizeIdentifier(input.kind, input.value, { ...identifierOptions(settings), field: 'value' });
	await lockContacts(tx, [input.contactId]);
	const [count] = await tx.query<{ n: number }>('SELECT COUNT(*) AS n FROM identifiers WHERE contact_id = $1', [input.contactId]);
	const removed = await tx.execute('DELETE FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3 AND contact_id = $4', [
		launch,
		id.kind,
		id.value,
		input.contactId,
	]);
	if (removed === 0) return { unlinked: false };
	if (Number(count?.n ?? 0) <= 1) throw new LedgerInputError('value', 'is the contact\'s only identifier; link another one first, or forget the contact');
	await recordEvents(tx, [{ launch, contactId: input.contactId, type: 'identifier.unlinked', source: input.source, data: { kind: id.kind, value: id.display } }]);
	return { unlinked: true };
}

/** The active contact holding an identifier, or null. */
export async function findContact(tx: SqlExecutor, input: { launch: string; kind: string; value: string }): Promise<ContactRecord | null> {
	const launch = validateLaunch(input.launch);
	const settings = await getLaunchSettings(tx, launch);
	const id = normalizeIdentifier(input.kind, input.value, { ...identifierOptions(settings), field: 'value' });
	const [owner] = await tx.query<{ contact_id: string }>('SELECT contact_id FROM identifiers WHERE launch = $1 AND kind = $2 AND value = $3', [
		launch,
		id.kind,
		id.value,
	]);
	return owner ? getContact(tx, owner.contact_id) : null;
}

export async function getContact(tx: SqlExecutor, contactId: string): Promise<ContactRecord | null> {
	const [row] = await tx.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM contacts WHERE id = $1`, [contactId]);
	if (!row) return null;
	const identifiers = await tx.query<{ kind: string; value: string; display_value: string | null }>(
		'SELECT kind, value, display_value FROM identifiers WHERE contact_id = $1 ORDER BY kind, created_at, value',
		[contactId],
	);
	const tags = await tx.query<{ tag: string }>('SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag', [contactId]);
	const s = stateOf(row);
	return {
		id: row.id,
		launch: row.launch,
		status: row.status,
		email: row.email,
		phone: row.phone,
		profile: s.profile,
		firstTouch: s.firstTouch,
		lastTouch: s.lastTouch,
		consent: s.consent,
		isTest: Number(row.is_test) === 1,
		mergedInto: row.merged_into,
		identifiers: identifiers.map((i) => ({ kind: i.kind, value: i.value, display: i.display_value })),
		tags: tags.map((t) => t.tag),
		createdAt: Number(row.created_at),
		updatedAt: Number(row.updated_at),
	};
}

/** Active contacts of a launch (merged and forgotten ones are not people any more). */
export async function countContacts(tx: SqlExecutor, launch: string): Promise<number> {
	const [row] = await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM contacts WHERE launch = $1 AND status = 'active'`, [launch]);
	return Number(row?.n ?? 0);
}

/** Active contacts of every launch in this ledger, by launch name. */
export async function countContactsByLaunch(tx: SqlExecutor): Promise<Array<{ launch: string; contacts: number }>> {
	const rows = await tx.query<{ launch: string; n: number }>(
		`SELECT launch, COUNT(*) AS n FROM contacts WHERE status = 'active' GROUP BY launch ORDER BY launch`,
	);
	return rows.map((r) => ({ launch: r.launch, contacts: Number(r.n) }));
}

// ── merge and unmerge ───────────────────────────────────────────────────────────────────────────

interface MergeSnapshot {
	email: string | null;
	phone: string | null;
	state: ContactState;
}

interface MergeEventData {
	mergedInto: string;
	before: { source: MergeSnapshot; target: MergeSnapshot };
	targetAfter: MergeSnapshot;
	movedIdentifiers: { kind: string; value: string }[];
	sourceTags: string[];
	targetTagsBefore: string[];
	reviewId?: string;
	/** What each merge step (purchases, access, outbox …) moved, by step name, for unmerge. */
	steps?: Record<string, unknown>;
}

function snapshot(row: ContactRow): MergeSnapshot {
	return { email: row.email, phone: row.phone, state: stateOf(row) };
}

async function writeSnapshot(tx: SqlExecutor, id: string, s: MergeSnapshot, extra: { status: string; mergedInto: string | null }, now: number): Promise<void> {
	await tx.execute(
		`UPDATE contacts SET email = $1, phone = $2, profile = $3, field_times = $4, first_touch = $5, last_touch = $6, consent = $7,
		        status = $8, merged_into = $9, updated_at = $10 WHERE id = $11`,
		[
			s.email,
			s.phone,
			JSON.stringify(s.state.profile),
			JSON.stringify(s.state.fieldTimes),
			s.state.firstTouch ? JSON.stringify(s.state.firstTouch) : null,
			s.state.lastTouch ? JSON.stringify(s.state.lastTouch) : null,
			Object.keys(s.state.consent).length ? JSON.stringify(s.state.consent) : null,
			extra.status,
			extra.mergedInto,
			now,
			id,
		],
	);
}

async function contactTags(tx: SqlExecutor, contactId: string): Promise<string[]> {
	return (await tx.query<{ tag: string }>('SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag', [contactId])).map((r) => r.tag);
}

export interface MergeContactsInput {
	launch: string;
	/** The contact that disappears into the target. */
	sourceContactId: string;
	/** The contact that survives. */
	targetContactId: string;
	source?: string;
	/** The review item this merge settles; it is resolved as "merged". */
	reviewId?: string;
}

/**
 * Explicit merge, decided by a person: the source's identifiers and tags move to the target, its
 * profile is merged field by field under the launch's policies (each value keeps its observation
 * time, so first-/last-wins compare when each value was seen), and the source is marked merged.
 * Rows other modules keep per contact (purchases, access and pins, inbox entries, open outbox
 * entries) move with it through their merge steps (steps.ts). The event on the source records
 * both contacts' before-state and what each step moved, so unmerge can restore it.
 */
export async function mergeContacts(
	tx: SqlExecutor,
	input: MergeContactsInput,
	steps: readonly MergeStep[],
): Promise<{ contactId: string; changes: UpsertContactResult['changes'] }> {
	const launch = validateLaunch(input.launch);
	const { sourceContactId: sourceId, targetContactId: targetId } = input;
	if (sourceId === targetId) throw new LedgerInputError('targetContactId', 'is the same contact as the source; pick two different contacts');
	const rows = await lockContacts(tx, [sourceId, targetId]);
	for (const [id, field] of [
		[sourceId, 'sourceContactId'],
		[targetId, 'targetContactId'],
	] as const) {
		const row = rows.get(id);
		if (!row || row.launch !== launch) throw new LedgerInputError(field, `no contact "${id}" in launch "${launch}"`);
		if (row.status !== 'active') throw new LedgerInputError(field, `contact ${id} is ${row.status}${row.merged_into ? ` into ${row.merged_into}` : ''}; only active contacts can be merged`);
	}
	const source = rows.get(sourceId)!;
	const target = rows.get(targetId)!;
	const settings = await getLaunchSettings(tx, launch);
	const now = Date.now();
	const s = stateOf(source);
	const t = stateOf(target);
	const profile = mergeProfile(t, s.profile, now, (f) => policyFor(settings, f), { incomingTimes: s.fieldTimes });
	const changes = { ...profile.changes };
	let touches = applyTouch(t, s.firstTouch);
	touches = applyTouch(touches, s.lastTouch);
	if (touches.firstTouch !== t.firstTouch) changes.first_touch = { before: t.firstTouch, after: touches.firstTouch };
	if (touches.lastTouch !== t.lastTouch) changes.last_touch = { before: t.lastTouch, after: touches.lastTouch };
	const consent = { ...s.consent, ...t.consent };
	const targetAfter: MergeSnapshot = {
		email: target.email ?? source.email,
		phone: target.phone ?? source.phone,
		state: { profile: profile.profile, fieldTimes: profile.fieldTimes, firstTouch: touches.firstTouch, lastTouch: touches.lastTouch, consent },
	};
	const moved = await tx.query<{ kind: string; value: string }>('SELECT kind, value FROM identifiers WHERE contact_id = $1 ORDER BY kind, value', [sourceId]);
	const sourceTags = await contactTags(tx, sourceId);
	const targetTagsBefore = await contactTags(tx, targetId);
	await tx.execute('UPDATE identifiers SET contact_id = $1 WHERE contact_id = $2', [targetId, sourceId]);
	await tx.execute(
		`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at)
		 SELECT $1, tag, launch, source, applied_at FROM contact_tags WHERE contact_id = $2
		 ON CONFLICT (contact_id, tag) DO NOTHING`,
		[targetId, sourceId],
	);
	await tx.execute('DELETE FROM contact_tags WHERE contact_id = $1', [sourceId]);
	await writeSnapshot(tx, targetId, targetAfter, { status: 'active', mergedInto: null }, now);
	await tx.execute(`UPDATE contacts SET status = 'merged', merged_into = $1, updated_at = $2 WHERE id = $3`, [targetId, now, sourceId]);
	const stepRecords = await runMergeSteps(tx, steps, { launch, sourceId, targetId, now, source: input.source });
	const data: MergeEventData = {
		mergedInto: targetId,
		before: { source: snapshot(source), target: snapshot(target) },
		targetAfter,
		movedIdentifiers: moved,
		sourceTags,
		targetTagsBefore,
		...(input.reviewId ? { reviewId: input.reviewId } : {}),
		steps: stepRecords,
	};
	await recordEvents(tx, [
		{ launch, contactId: sourceId, type: 'contact.merged', source: input.source, data, at: now },
		{
			launch,
			contactId: targetId,
			type: 'contact.merged_from',
			source: input.source,
			data: { mergedFrom: sourceId, changes, movedIdentifiers: moved.map((m) => m.kind), tagsAdded: sourceTags.filter((x) => !targetTagsBefore.includes(x)) },
			at: now,
		},
	]);
	if (input.reviewId) {
		await resolveReviewItem(tx, input.reviewId, `merged ${sourceId} into ${targetId}`, { source: input.source });
	}
	return { contactId: targetId, changes };
}

/**
 * Reverses the latest merge of `contactId` (the merged-away contact). The source gets back its own
 * before-state, identifiers and tags. On the target, a value is restored only if nobody changed it
 * since the merge; later changes win and are reported as kept. The merge steps put back purchases,
 * access and outbox entries that nothing touched since; what changed while merged stays on the
 * target and is a review item (its id in `reviewIds`).
 */
export async function unmergeContact(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; source?: string },
	steps: readonly MergeStep[],
): Promise<{ contactId: string; restoredFrom: string; keptOnTarget: string[]; reviewIds: string[] }> {
	const launch = validateLaunch(input.launch);
	const [pre] = await tx.query<{ merged_into: string | null; status: string; launch: string }>('SELECT merged_into, status, launch FROM contacts WHERE id = $1', [
		input.contactId,
	]);
	if (!pre || pre.launch !== launch) throw new LedgerInputError('contactId', `no contact "${input.contactId}" in launch "${launch}"`);
	if (pre.status !== 'merged' || !pre.merged_into) throw new LedgerInputError('contactId', `contact ${input.contactId} is ${pre.status}, not merged; pass the contact that was merged away`);
	const targetId = pre.merged_into;
	const rows = await lockContacts(tx, [input.contactId, targetId]);
	const source = rows.get(input.contactId)!;
	const target = rows.get(targetId);
	if (source.status !== 'merged' || source.merged_into !== targetId) throw new Error(`contact ${input.contactId} changed during unmerge; retry`);
	if (!target || target.status !== 'active') {
		throw new LedgerInputError('contactId', `the contact it was merged into (${targetId}) is ${target?.status ?? 'missing'}; unmerge that one first`);
	}
	const [event] = await tx.query<{ data: string }>(
		`SELECT data FROM events WHERE contact_id = $1 AND type = 'contact.merged' ORDER BY id DESC LIMIT 1`,
		[input.contactId],
	);
	const data = event ? (JSON.parse(event.data) as Partial<MergeEventData>) : null;
	if (!data?.before || data.mergedInto !== targetId) throw new Error(`the merge record of contact ${input.contactId} is missing or redacted; it cannot be unmerged`);
	const now = Date.now();

	// Target: undo each merged value that is still what the merge made it.
	const current = snapshot(target);
	const before = data.before.target;
	const after = data.targetAfter!;
	const kept: string[] = [];
	const restored: MergeSnapshot = structuredClone(current);
	const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
	const fields = new Set([...Object.keys(after.state.profile), ...Object.keys(before.state.profile)]);
	for (const f of fields) {
		if (same(before.state.profile[f], after.state.profile[f])) continue;
		if (!same(current.state.profile[f], after.state.profile[f])) {
			kept.push(f);
			continue;
		}
		if (f in before.state.profile) {
			restored.state.profile[f] = before.state.profile[f];
			restored.state.fieldTimes[f] = before.state.fieldTimes[f] ?? 0;
		} else {
			delete restored.state.profile[f];
			delete restored.state.fieldTimes[f];
		}
	}
	for (const key of ['firstTouch', 'lastTouch'] as const) {
		if (same(before.state[key], after.state[key])) continue;
		if (same(current.state[key], after.state[key])) restored.state[key] = before.state[key];
		else kept.push(key === 'firstTouch' ? 'first_touch' : 'last_touch');
	}
	for (const key of new Set([...Object.keys(after.state.consent), ...Object.keys(before.state.consent)])) {
		if (same(before.state.consent[key], after.state.consent[key])) continue;
		if (!same(current.state.consent[key], after.state.consent[key])) kept.push(`consent.${key}`);
		else if (key in before.state.consent) restored.state.consent[key] = before.state.consent[key];
		else delete restored.state.consent[key];
	}
	for (const key of ['email', 'phone'] as const) {
		if (!same(before[key], after[key]) && same(current[key], after[key])) restored[key] = before[key];
	}
	await writeSnapshot(tx, targetId, restored, { status: 'active', mergedInto: null }, now);
	await writeSnapshot(tx, input.contactId, data.before.source, { status: 'active', mergedInto: null }, now);

	for (const id of data.movedIdentifiers ?? []) {
		await tx.execute('UPDATE identifiers SET contact_id = $1 WHERE launch = $2 AND kind = $3 AND value = $4 AND contact_id = $5', [
			input.contactId,
			launch,
			id.kind,
			id.value,
			targetId,
		]);
	}
	for (const tag of data.sourceTags ?? []) {
		await tx.execute(
			`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contact_id, tag) DO NOTHING`,
			[input.contactId, tag, launch, input.source ?? 'unmerge', now],
		);
		if (!(data.targetTagsBefore ?? []).includes(tag)) await tx.execute('DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2', [targetId, tag]);
	}
	const { reviewIds } = await runUnmergeSteps(tx, steps, { launch, sourceId: input.contactId, targetId, now, source: input.source }, data.steps);
	await recordEvents(tx, [
		{ launch, contactId: input.contactId, type: 'contact.unmerged', source: input.source, data: { from: targetId, reviewIds }, at: now },
		{ launch, contactId: targetId, type: 'contact.unmerged_from', source: input.source, data: { restored: input.contactId, keptOnTarget: kept, reviewIds }, at: now },
	]);
	return { contactId: input.contactId, restoredFrom: targetId, keptOnTarget: kept, reviewIds };
}
