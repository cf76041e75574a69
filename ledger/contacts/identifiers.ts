import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import { normalizeIdentifier, type NormalizedIdentifier } from '../normalize';
import { wakeWaitingSyncs } from '../outbox/waiting';
import { applySystemTag, PHONE_UNRECOGNIZED_TAG } from '../system-tags';
import { openReviewItem, type ReviewItem } from '../review/review';
import { contactPairSubject, identifierLimitSubject } from '../review/subjects';
import { getLaunchSettings, type LaunchSettings } from '../settings/settings';
import type { SqlExecutor } from '../store';
import { identifierOptions, validateLaunch } from './input';
import { lockContacts } from './records';
import { assertNotForgotten } from './tombstones';

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

export async function linkNormalizedIdentifier(
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
			subject: otherContactId ? contactPairSubject(contactId, otherContactId) : identifierLimitSubject(contactId, id.kind),
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
	if (id.kind === 'email') {
		await tx.execute('UPDATE contacts SET email = COALESCE(email, $1) WHERE id = $2', [id.display, contactId]);
		// A phone-first contact's ESP sync waited for this address.
		await wakeWaitingSyncs(tx, { launch, contactId, source: input.source, now });
	}
	if (id.kind === 'phone') {
		await tx.execute('UPDATE contacts SET phone = COALESCE(phone, $1) WHERE id = $2', [id.value, contactId]);
		await flagUnrecognizedPhone(tx, launch, contactId, id, input.source);
	}
	await recordEvents(tx, [{ launch, contactId, type: 'identifier.linked', source: input.source, data: { kind: id.kind, value: id.display }, at: now }]);
	return { status: 'linked', identifier: id };
}

/** A phone accepted from a range libphonenumber does not list tags its contact (see NormalizedIdentifier). */
export async function flagUnrecognizedPhone(tx: SqlExecutor, launch: string, contactId: string, id: NormalizedIdentifier, source?: string): Promise<void> {
	if (id.kind !== 'phone' || !id.unrecognizedRange) return;
	await applySystemTag(tx, { launch, contactIds: [contactId], tag: PHONE_UNRECOGNIZED_TAG, kind: 'segment', source: source ?? 'ledger' });
}

/** Links one more identifier to a contact; a limit or another owner turns it into a review item. */
export async function linkIdentifier(tx: SqlExecutor, input: LinkIdentifierInput): Promise<LinkIdentifierResult> {
	const launch = validateLaunch(input.launch);
	const settings = await getLaunchSettings(tx, launch);
	const identifier = normalizeIdentifier(input.kind, input.value, { ...identifierOptions(settings), field: 'value' });
	// A forgotten identifier is linked to no one, not even a new contact of the same person.
	await assertNotForgotten(tx, launch, [identifier]);
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
