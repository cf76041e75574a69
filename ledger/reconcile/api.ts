import type { Store } from '../store';
import { listSweepFindings } from './findings';
import { runReconcileSweep } from './sweep';
import type { SweepFinding, SweepInput, SweepReport } from './types';

/** Reconcile as the nodes use it. */
export class ReconcileApi {
	constructor(private readonly store: Store) {}

	sweep(input: SweepInput): Promise<SweepReport> {
		return runReconcileSweep(this.store, input);
	}

	findings(runId: string, options?: { kinds?: string[]; afterSeq?: number; limit?: number }): Promise<SweepFinding[]> {
		return listSweepFindings(this.store, runId, options);
	}
}
