import { applyTouch, normalizeTouch, type Touch } from '../attribution';
import { LedgerInputError } from '../errors';
import { recordEvents, type NewLedgerEvent } from '../events';
import { timeOrderedUuid } from '../ids';
import type { NormalizedIdentifier } from '../normalize';
import type { ReviewItem } from '../review/review';
import { policyFor, settingsFromData, type LaunchSettings } from '../settings/settings';
import type { SqlExecutor, SqlValue } from '../store';
import { planResolvedTags, writeTagPlan, type TagChangeResult, type TagPlan } from '../tags/plan';
import { readSettingsAndTags, tagList, type SettingsAndTags } from '../tags/resolve';
import { createInOneStatement } from './create-one-statement';
import { mergeProfile } from './field-merge';
import { flagUnrecognizedPhone, linkNormalizedIdentifier } from './identifiers';
import { flagLookalikes, hasLookalikeSkeleton } from './lookalike';
import { collectIdentifiers, validateConsent, validateFields, validateLaunch, type UpsertContactInput } from './input';
import { lockContacts, stateOf, type ContactRow, type ContactState } from './records';
import { assertNotForgotten } from './tombstones';

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

/** An upsert read and validated, with what it writes if it creates the contact; nothing written yet. */
export interface PreparedUpsert {
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
export async function prepareUpsert(tx: SqlExecutor, input: UpsertContactInput, known?: SettingsAndTags): Promise<PreparedUpsert> {
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
	await assertNotForgotten(tx, launch, ids);

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
	// A lookalike address takes the regular path, whose transaction also opens its review item.
	// So does a phone to flag (its tag is written by the regular path).
	const oneStatement =
		tx.dialect === 'postgres' && ids.length === 1 && (!tagPlan || tagPlan.quarantine.length === 0) && !hasLookalikeSkeleton(ids[0]!) && !ids[0]!.unrecognizedRange;
	return { input, launch, settings, now, at, ids, fields, touch, consent, tagPlan, candidateId, creation, createdEvent, contactValues, oneStatement, context };
}

/**
 * The one-statement create of a prepared upsert (PostgreSQL). Every insert hangs off the identifier
 * claim, so when the identifier is already held nothing is written and null is returned: the caller
 * goes on with completeUpsert.
 */
export async function createPrepared(tx: SqlExecutor, p: PreparedUpsert, guarded = false): Promise<UpsertContactResult | 'stale' | null> {
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

/** The write path of an upsert after prepareUpsert (and after a one-statement create found the identifier held). */
export async function completeUpsert(tx: SqlExecutor, p: PreparedUpsert): Promise<UpsertContactResult> {
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
	if (created) await flagUnrecognizedPhone(tx, launch, contactId, canonical, input.source);
	const conflicts: ReviewItem[] = [];
	for (const id of ids.slice(1)) {
		const link = await linkNormalizedIdentifier(tx, { launch, contactId, identifier: id, settings, source: input.source, contactLocked: true });
		if (link.status === 'linked') linked.push(id);
		if (link.review) conflicts.push(link.review);
	}
	conflicts.push(...(await flagLookalikes(tx, { launch, contactId, linked, source: input.source })));
	const tags = tagPlan ? await writeTagPlan(tx, contactId, tagPlan, { source: input.source, at: now, events }) : { applied: [], unchanged: [], quarantined: [] };
	// One statement for the upsert's own events (links and reviews record theirs as they happen).
	await recordEvents(tx, events);
	return { contactId, created, changes, linked, conflicts, tags };
}
