import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { ledgerFor } from '../../shared/ledgerAccess';
import { toNodeError } from '../../shared/execution';
import { FIXES, LABELS, REPORT, REVIEW, type SweepOperation } from './common';
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
	const outputs: INodeExecutionData[][] = [[], [], []];
	try {
		const ledger = await ledgerFor(this);
		const result = await run.call(this, ledger);
		outputs[FIXES] = result.fixes;
		outputs[REPORT] = [{ json: result.report, pairedItem: { item: 0 } }];
		outputs[REVIEW] = result.review.map((json) => ({ json, pairedItem: { item: 0 } }));
	} catch (caught) {
		const { error, field } = toNodeError(this, caught, 0, LABELS);
		if (!this.continueOnFail()) throw error;
		outputs[REPORT] = [{ json: { error: error.message, field }, pairedItem: { item: 0 } }];
	}
	return outputs;
}
