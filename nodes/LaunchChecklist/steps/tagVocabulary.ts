import type { ChecklistRun, Ledger } from '../../../ledger';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { testAddress } from '../actions/common';
import { answered } from './http';
import type { StepOutcome } from './outcome';
import { listKitTags, readKitSubscriber, readKitSubscriberTags, readProblem, tagKitSubscriber } from './vendors';

export interface TagVocabularyInput {
	run: ChecklistRun;
	testEmail: string;
	kitSecret: string | null;
}

const unknownFix = (tag: string): string =>
	`Kit has no tag \`${tag}\`: an automation that should start on it never will. Create it in Kit → Subscribers → Tags (name it exactly ${tag}) and attach your automation to it, or remove the tag from the launch's tag registry (Waitlist Tags → Registry), then run this step again.`;

/**
 * Step 2: every registry tag that drives an automation must exist at Kit under the name the drain
 * sends; each one Kit knows is applied to a test subscriber (a plus-address of the test inbox) and
 * read back. HubSpot is not asked: the templates keep no tags there.
 */
export async function tagVocabulary(ctx: IExecuteFunctions, ledger: Ledger, input: TagVocabularyInput): Promise<StepOutcome> {
	const { run } = input;
	if (!input.kitSecret) return { status: 'skipped', reason: 'Use Kit is off: no email platform to check the tags against.', fix: null, evidence: {} };
	const listed = await listKitTags(ctx, input.kitSecret);
	if (listed.answer.status !== 200) return { status: 'failed', reason: `Kit ${answered(listed.answer)} to the list of tags.`, fix: `${readProblem('Kit', listed.answer)}, then run this step again.`, evidence: { kit: listed.answer as unknown as IDataObject } };
	const check = await ledger.checklist.tagVocabulary(run.id, listed.tags.map((t) => t.name));
	const evidence: IDataObject = { registryTags: check.tags.map((t) => t.tag), kitTags: listed.tags.length, unknownToKit: check.unknown };
	if (check.tags.length === 0) {
		return { status: 'skipped', reason: `The tag registry of launch "${run.launch}" has no segment or behaviour tag, so no tag drives an automation yet. Add your tags (Waitlist Tags → Registry) to have them checked.`, fix: null, evidence };
	}
	const fixes = check.unknown.map(unknownFix);
	const known = check.tags.filter((t) => t.vendorName !== null);
	if (known.length > 0) fixes.push(...(await applyAndReadBack(ctx, ledger, input, known.map((t) => ({ tag: t.tag, id: listed.tags.find((k) => k.name === t.vendorName)!.id })), evidence)));
	if (fixes.length > 0) return { status: 'failed', reason: `${fixes.length} problem(s) with ${check.tags.length} registry tag(s).`, fix: fixes.join('\n'), evidence };
	return { status: 'passed', reason: `Kit knows every registry tag (${check.tags.map((t) => t.tag).join(', ')}), and each one stuck on a test subscriber.`, fix: null, evidence };
}

/** Tags the test subscriber with each known tag and reads its tags back; the fixes for what did not stick. */
async function applyAndReadBack(ctx: IExecuteFunctions, ledger: Ledger, input: TagVocabularyInput, tags: Array<{ tag: string; id: number }>, evidence: IDataObject): Promise<string[]> {
	const secret = input.kitSecret!;
	const email = testAddress(input.testEmail, input.run, 'tags');
	const applied: IDataObject[] = [];
	const fixes: string[] = [];
	const taken: string[] = [];
	for (const { tag, id } of tags) {
		const answer = await tagKitSubscriber(ctx, secret, id, email);
		applied.push({ tag, kitTagId: id, status: answer.status, error: answer.error });
		if (answer.status === 200 || answer.status === 201) taken.push(tag);
		else fixes.push(`Kit ${answered(answer)} when tagging the test subscriber with \`${tag}\`: ${readProblem('Kit', answer)}.`);
	}
	const subscriber = await readKitSubscriber(ctx, secret, email);
	// Noted before anything else can fail: Clean Up unsubscribes it.
	if (subscriber.found) await ledger.checklist.noteRecord({ runId: input.run.id, system: 'kit', kind: 'subscriber', recordId: email, label: 'tag test subscriber' });
	const readBack = subscriber.found && subscriber.id ? await readKitSubscriberTags(ctx, secret, subscriber.id) : null;
	const held = new Set((readBack?.names ?? []).map((n) => n.trim().toLowerCase()));
	evidence.testSubscriber = { email, kitId: subscriber.id, applied, readBack: readBack?.names ?? null };
	if (!readBack || readBack.answer.status !== 200) return [...fixes, `Kit has no test subscriber ${email} to read the tags of (${answered(readBack?.answer ?? subscriber.answer)}): run this step again; if it stays, check the "ConvertKit API" credential.`];
	for (const tag of taken.filter((t) => !held.has(t.toLowerCase()))) fixes.push(`Kit accepted the tag \`${tag}\` but the test subscriber does not have it: check the tag in Kit → Subscribers → Tags (is it being removed by an automation?).`);
	return fixes;
}
