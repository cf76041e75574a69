import type { Store } from '../store';
import { claimAnnouncements, type AnnounceOptions } from './announcements';
import { listSweepFindings } from './findings';
import { runReconcileSweep } from './sweep';
import type { SweepFinding, SweepInput, SweepReport } from './types';

/** Reconcile as the nodes use it. */
export class ReconcileApi {
	constructor(private readonly store: Store) {}

	sweep(input: SweepInput): Promise<SweepReport> {
		return runReconcileSweep(this.store, input);
	}

	/**
	 * Of a run's review findings, the ones to announce now: each open problem once, then again after
	 * `repeatAfterMs` (24 h unless given); two sweeps at once announce it once between them.
	 */
	announce(launch: string, findings: readonly SweepFinding[], options?: AnnounceOptions): Promise<SweepFinding[]> {
		return claimAnnouncements(this.store, launch, findings, options);
	}

	findings(runId: string, options?: { kinds?: string[]; afterSeq?: number; limit?: number }): Promise<SweepFinding[]> {
		return listSweepFindings(this.store, runId, options);
	}
}
