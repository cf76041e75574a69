import type { StepStatus } from '../../../ledger';
import type { IDataObject } from 'n8n-workflow';

/** What a step found, before the ledger keeps it: a fix when failed, a reason when waiting or skipped. */
export interface StepOutcome {
	status: StepStatus;
	reason: string | null;
	fix: string | null;
	evidence: IDataObject;
}
