import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ClaimProof } from '../../../ledger';
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

/**
 * The run has started (on a queue-mode worker, or in the main process): it takes over the sync
 * entries the webhook claimed for it, with a short lease this process renews while it lives
 * (ledger/outbox/keep-alive.ts). If the process dies, the drain sends them within about a minute
 * instead of after the webhook's 10-minute claim. The items pass through unchanged.
 */
export async function takeOverClaims(ctx: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const byLaunch = claimsByLaunch(items);
	if (byLaunch.size === 0) return [items];
	try {
		const ledger = await ledgerFor(ctx);
		for (const [launch, claims] of byLaunch) await ledger.outbox.keepAlive(launch, claims, { workerId: workerIdOf(ctx) });
	} catch (error) {
		// Not a reason to stop the signup's run: the webhook's 10-minute claim still holds its entries.
		ctx.logger.warn(`Waitlist Capture Trigger: could not take over this run's sync entries (${(error as Error).message}); they stay claimed for 10 minutes from the signup`);
	}
	return [items];
}
