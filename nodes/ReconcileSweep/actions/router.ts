import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runOnce } from '../../shared/runner';
import { SWEEP_OUTPUTS, type SweepOperation } from './common';
import * as sweep from './sweep/Sweep.resource';

const OPERATIONS: Record<string, SweepOperation> = {
	compare: sweep.compare.execute,
	findDueWork: sweep.findDueWork.execute,
};

/**
 * A sweep is one run over everything that arrived (not one run per item): vendor lists come as
 * many items and belong together. Its settings are read with item 0.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = OPERATIONS[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return runOnce(this, SWEEP_OUTPUTS, run);
}
