import { applyTouch } from '../attribution';
import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import { closeReviewSubjects, resolveReviewItem } from '../review/review';
import { contactPairSubject } from '../review/subjects';
import { getLaunchSettings, policyFor, type LaunchSettings } from '../settings/settings';
import type { SqlExecutor } from '../store';
import { mergeProfile } from './field-merge';
import { validateLaunch } from './input';
import { snapshot, writeSnapshot, type MergeEventData, type MergeSnapshot } from './merge-record';
import { lockContacts, stateOf, type ContactRow } from './records';
import { runMergeSteps, type MergeStep } from './steps';
import type { UpsertContactResult } from './upsert';

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

type Changes = UpsertContactResult['changes'];

/** Both contacts of a merge, locked; each must be an active contact of the launch. */
async function lockMergePair(tx: SqlExecutor, launch: string, sourceId: string, targetId: string): Promise<{ source: ContactRow; target: ContactRow }> {
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
	return { source: rows.get(sourceId)!, target: rows.get(targetId)! };
}

/** The target as the merge makes it: profile by the launch's policies, touches by time, the target's consent first. */
function mergedTarget(source: ContactRow, target: ContactRow, settings: LaunchSettings, now: number): { targetAfter: MergeSnapshot; changes: Changes } {
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
	return { targetAfter, changes };
}

async function contactTags(tx: SqlExecutor, contactId: string): Promise<string[]> {
	return (await tx.query<{ tag: string }>('SELECT tag FROM contact_tags WHERE contact_id = $1 ORDER BY tag', [contactId])).map((r) => r.tag);
}

/** Moves the source's identifiers and tags to the target; returns what moved and the target's tags before. */
async function moveIdentifiersAndTags(
	tx: SqlExecutor,
	sourceId: string,
	targetId: string,
): Promise<{ moved: { kind: string; value: string }[]; sourceTags: string[]; targetTagsBefore: string[] }> {
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
	return { moved, sourceTags, targetTagsBefore };
}

/**
 * Explicit merge, decided by a person: the source's identifiers and tags move to the target, its
 * profile is merged field by field under the launch's policies (each value keeps its observation
 * time, so first-/last-wins compare when each value was seen), and the source is marked merged.
 * Rows other resources keep per contact (purchases, access and pins, inbox entries, open outbox
 * entries) move with it through their merge steps (steps.ts). The event on the source records
 * both contacts' before-state and what each step moved, so unmerge can restore it.
 */
export async function mergeContacts(
	tx: SqlExecutor,
	input: MergeContactsInput,
	steps: readonly MergeStep[],
): Promise<{ contactId: string; changes: Changes }> {
	const launch = validateLaunch(input.launch);
	const { sourceContactId: sourceId, targetContactId: targetId } = input;
	const { source, target } = await lockMergePair(tx, launch, sourceId, targetId);
	const settings = await getLaunchSettings(tx, launch);
	const now = Date.now();
	const { targetAfter, changes } = mergedTarget(source, target, settings, now);
	const { moved, sourceTags, targetTagsBefore } = await moveIdentifiersAndTags(tx, sourceId, targetId);
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
	// Any other open item asking whether these two are one person is settled by the merge too.
	await closeReviewSubjects(tx, launch, [contactPairSubject(sourceId, targetId)], { resolution: `merged ${sourceId} into ${targetId}`, by: input.source ?? 'merge', now });
	return { contactId: targetId, changes };
}
