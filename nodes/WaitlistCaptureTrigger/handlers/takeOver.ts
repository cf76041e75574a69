import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ClaimProof, RenewResult } from '../../../ledger';
import { workerIdOf } from '../../shared/claimOptions';
import { ledgerFor } from '../../shared/ledgerAccess';

/** The sync entries a signup's item carries (signup.ts `signupItem`), by launch. */
function claimsByLaunch(items: INodeExecutionData[]): Map<string, ClaimProof[]> {
	const byLaunch = new Map<string, ClaimProof[]>();
	for (const item of items) {
		const { launch, sync } = item.json;
		if (typeof launch !== 'string' || !sync || typeof sync !== 'object') continue;
		for (const entry of Object.values(sync as IDataObject)) {
			const { id, claimToken } = (entry ?? {}) as IDataObject;
			if (typeof id === 'string' && typeof claimToken === 'string') byLaunch.set(launch, [...(byLaunch.get(launch) ?? []), { id, claimToken }]);
		}
	}
	return byLaunch;
}

const HANDED_OVER: Record<string, string> = {
	lease_lost: 'the outbox drain took it over: this run waited in n8n\'s queue longer than the signup\'s claim, so the drain sends it',
	already_done: 'already sent by the outbox drain while this run waited in n8n\'s queue',
	not_found: 'no longer in the ledger (the contact was merged or forgotten meanwhile)',
};

/**
 * The item as this run goes on with it: its `sync` keeps only the entries the run now holds, so the
 * template's "sync due?" steps skip the others (the drain holds them); `syncHandedOver` says why.
 */
function withoutHandedOver(item: INodeExecutionData, lost: ReadonlyMap<string, RenewResult['outcome']>): INodeExecutionData {
	const sync = item.json.sync as IDataObject | undefined;
	if (!sync || typeof sync !== 'object') return item;
	const kept: IDataObject = {};
	const handedOver: IDataObject = {};
	for (const [kind, entry] of Object.entries(sync)) {
		const outcome = lost.get(String((entry as IDataObject | null)?.id));
		if (outcome) handedOver[kind] = HANDED_OVER[outcome] ?? outcome;
		else kept[kind] = entry;
	}
	if (Object.keys(handedOver).length === 0) return item;
	return { ...item, json: { ...item.json, sync: kept, syncHandedOver: handedOver } };
}

/**
 * The run has started (on a queue-mode worker, or in the main process): it takes over the sync
 * entries the webhook claimed for it, with a short lease this process renews while it lives
 * (ledger/outbox/keep-alive.ts). If the process dies, the drain sends them within about a minute.
 * Entries the drain took while the run waited in n8n's queue are the drain's: the run leaves them
 * out of its item, so only one of the two calls the vendor.
 */
export async function takeOverClaims(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const byLaunch = claimsByLaunch(items);
	if (byLaunch.size === 0) return [items];
	const lost = new Map<string, RenewResult['outcome']>();
	try {
		const ledger = await ledgerFor(ctx);
		for (const [launch, claims] of byLaunch) {
			for (const result of await ledger.outbox.keepAlive(launch, claims, { workerId: workerIdOf(ctx) })) if (result.outcome !== 'renewed') lost.set(result.id, result.outcome);
		}
	} catch (error) {
		// Not a reason to stop the signup's run: it sends with the webhook's claim. If the drain takes the
		// entries meanwhile, the vendor gets the same upsert twice and this run's "done" answers lease_lost.
		ctx.logger.warn(`Waitlist Capture Trigger: could not take over this run's sync entries (${(error as Error).message}); the run sends them with the signup's claim`);
		return [items];
	}
	return [lost.size ? items.map((item) => withoutHandedOver(item, lost)) : items];
}
