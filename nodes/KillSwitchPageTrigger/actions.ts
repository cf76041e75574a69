import type { IDataObject } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../ledger';

/** The page's actions, each one ledger call, recorded with who pressed it and why. */
export const ACTIONS = {
	pauseGrants: { label: 'Pause access grants', help: 'No course access is handed out; new grants wait as "held". Emails and CRM syncs keep flowing.' },
	pauseAll: { label: 'Pause every vendor call', help: 'Everything waits as "held": grants, revokes, email and CRM syncs.' },
	resume: { label: 'Resume', help: 'The switch goes off and everything held is sent, in the order it arrived.' },
	release: { label: 'Send the selected held entries', help: 'Only the entries ticked below go out now; the switch stays as it is.' },
	discard: { label: 'Discard the selected held entries', help: 'The entries ticked below are never sent (e.g. a grant for a refunded test purchase).' },
} as const;

export type KillSwitchAction = keyof typeof ACTIONS;

export interface ActionInput {
	action: KillSwitchAction;
	launch: string;
	by: string;
	reason: string;
	ids: string[];
}

function one(value: unknown): string {
	const v = Array.isArray(value) ? value[0] : value;
	return typeof v === 'string' ? v.trim() : '';
}

/** The posted form → an action, or an error naming the field the person has to fill in. */
export function readActionForm(body: unknown, signedInAs: string, launch: string): ActionInput {
	const form = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
	const action = one(form.action);
	if (!Object.hasOwn(ACTIONS, action)) throw new LedgerInputError('action', 'choose what to do');
	const reason = one(form.reason);
	if (reason === '') throw new LedgerInputError('reason', 'say why (it is recorded with your name)');
	if (reason.length > 2000) throw new LedgerInputError('reason', 'is longer than 2,000 characters');
	const name = one(form.name).slice(0, 100);
	const raw = form.entry;
	const ids = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((v) => String(v).trim()).filter((v) => v !== '');
	if ((action === 'release' || action === 'discard') && ids.length === 0) throw new LedgerInputError('entry', 'tick at least one held entry');
	const who = signedInAs || 'header credential';
	const by = name && name !== signedInAs ? `${name} (signed in as ${who})` : who;
	return { action: action as KillSwitchAction, launch, by, reason, ids };
}

/** Carries the action out with one ledger call; what happened, for the page and the workflow run. */
export async function runAction(ledger: Ledger, input: ActionInput, source: string): Promise<IDataObject> {
	const { launch, by, reason } = input;
	const base = { action: input.action, launch, by, reason, at: new Date().toISOString() };
	switch (input.action) {
		case 'pauseGrants':
		case 'pauseAll': {
			const r = await ledger.outbox.pause({ launch, scope: input.action === 'pauseAll' ? 'all' : 'grants', by, reason, source });
			return { ...base, summary: `Paused (${r.state.scope}). ${r.heldNow} waiting entr${r.heldNow === 1 ? 'y is' : 'ies are'} held now.`, heldNow: r.heldNow };
		}
		case 'resume': {
			const r = await ledger.outbox.resume({ launch, by, reason, source });
			return { ...base, summary: r.wasPaused ? `Resumed. ${r.released} held entr${r.released === 1 ? 'y' : 'ies'} will be sent.` : 'The switch was not on; nothing changed.', released: r.released };
		}
		case 'release': {
			const r = await ledger.outbox.releaseHeld({ launch, ids: input.ids, by, reason, source });
			return { ...base, summary: `${r.ids.length} held entr${r.ids.length === 1 ? 'y' : 'ies'} will be sent.`, ids: r.ids };
		}
		case 'discard': {
			const r = await ledger.outbox.discardHeld({ launch, ids: input.ids, by, reason, source });
			return { ...base, summary: `${r.ids.length} held entr${r.ids.length === 1 ? 'y was' : 'ies were'} discarded.`, ids: r.ids };
		}
	}
}
