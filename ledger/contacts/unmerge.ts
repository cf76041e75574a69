import { LedgerInputError } from '../errors';
import { recordEvents } from '../events';
import type { SqlExecutor } from '../store';
import { validateLaunch } from './input';
import { snapshot, writeSnapshot, type MergeEventData, type MergeSnapshot } from './merge-record';
import { lockContacts, type ContactRow } from './records';
import { runUnmergeSteps, type MergeStep } from './steps';

/** The merged-away contact, the one it was merged into (both locked) and the record of that merge. */
async function lockMergedPair(
	tx: SqlExecutor,
	launch: string,
	contactId: string,
): Promise<{ targetId: string; target: ContactRow; data: Partial<MergeEventData> & Pick<MergeEventData, 'before'> }> {
	const [pre] = await tx.query<{ merged_into: string | null; status: string; launch: string }>('SELECT merged_into, status, launch FROM contacts WHERE id = $1', [contactId]);
	if (!pre || pre.launch !== launch) throw new LedgerInputError('contactId', `no contact "${contactId}" in launch "${launch}"`);
	if (pre.status !== 'merged' || !pre.merged_into) throw new LedgerInputError('contactId', `contact ${contactId} is ${pre.status}, not merged; pass the contact that was merged away`);
	const targetId = pre.merged_into;
	const rows = await lockContacts(tx, [contactId, targetId]);
	const source = rows.get(contactId)!;
	const target = rows.get(targetId);
	if (source.status !== 'merged' || source.merged_into !== targetId) throw new Error(`contact ${contactId} changed during unmerge; retry`);
	if (!target || target.status !== 'active') {
		throw new LedgerInputError('contactId', `the contact it was merged into (${targetId}) is ${target?.status ?? 'missing'}; unmerge that one first`);
	}
	const [event] = await tx.query<{ data: string }>(`SELECT data FROM events WHERE contact_id = $1 AND type = 'contact.merged' ORDER BY id DESC LIMIT 1`, [contactId]);
	const data = event ? (JSON.parse(event.data) as Partial<MergeEventData>) : null;
	if (!data?.before || data.mergedInto !== targetId) throw new Error(`the merge record of contact ${contactId} is missing or redacted; it cannot be unmerged`);
	return { targetId, target, data: { ...data, before: data.before } };
}

/**
 * The target with each merged value undone that is still what the merge made it (`before` → `after`
 * was the merge); values changed since are kept and named in `kept`.
 */
function restoredTarget(current: MergeSnapshot, before: MergeSnapshot, after: MergeSnapshot): { restored: MergeSnapshot; kept: string[] } {
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
	return { restored, kept };
}

/** Gives the merged-away contact back the identifiers and tags the merge moved; tags the target had before stay. */
async function moveIdentifiersAndTagsBack(
	tx: SqlExecutor,
	c: { launch: string; sourceId: string; targetId: string; data: Partial<MergeEventData>; source?: string; now: number },
): Promise<void> {
	for (const id of c.data.movedIdentifiers ?? []) {
		await tx.execute('UPDATE identifiers SET contact_id = $1 WHERE launch = $2 AND kind = $3 AND value = $4 AND contact_id = $5', [
			c.sourceId,
			c.launch,
			id.kind,
			id.value,
			c.targetId,
		]);
	}
	for (const tag of c.data.sourceTags ?? []) {
		await tx.execute(
			`INSERT INTO contact_tags (contact_id, tag, launch, source, applied_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contact_id, tag) DO NOTHING`,
			[c.sourceId, tag, c.launch, c.source ?? 'unmerge', c.now],
		);
		if (!(c.data.targetTagsBefore ?? []).includes(tag)) await tx.execute('DELETE FROM contact_tags WHERE contact_id = $1 AND tag = $2', [c.targetId, tag]);
	}
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
	const sourceId = input.contactId;
	const { targetId, target, data } = await lockMergedPair(tx, launch, sourceId);
	const now = Date.now();
	const { restored, kept } = restoredTarget(snapshot(target), data.before.target, data.targetAfter!);
	await writeSnapshot(tx, targetId, restored, { status: 'active', mergedInto: null }, now);
	await writeSnapshot(tx, sourceId, data.before.source, { status: 'active', mergedInto: null }, now);
	await moveIdentifiersAndTagsBack(tx, { launch, sourceId, targetId, data, source: input.source, now });
	const { reviewIds } = await runUnmergeSteps(tx, steps, { launch, sourceId, targetId, now, source: input.source }, data.steps);
	await recordEvents(tx, [
		{ launch, contactId: sourceId, type: 'contact.unmerged', source: input.source, data: { from: targetId, reviewIds }, at: now },
		{ launch, contactId: targetId, type: 'contact.unmerged_from', source: input.source, data: { restored: sourceId, keptOnTarget: kept, reviewIds }, at: now },
	]);
	return { contactId: sourceId, restoredFrom: targetId, keptOnTarget: kept, reviewIds };
}
