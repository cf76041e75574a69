import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { runForEachItem } from '../../shared/runner';
import { DONE_OUTPUTS, EVALUATE_OUTPUTS, type MonitorOperation } from './common';
import * as monitor from './monitor/Monitor.resource';

const ONE_OUTPUT: Record<string, MonitorOperation> = {
	acknowledge: monitor.acknowledge.execute,
	getSignals: monitor.getSignals.execute,
	silence: monitor.silence.execute,
	takeSnapshot: monitor.takeSnapshot.execute,
	unsilence: monitor.unsilence.execute,
};

/**
 * Every operation runs per input item (a schedule sends one; a list of launches sends one each).
 * Evaluate Alerts routes to its four outputs; the others have one.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	if (operation === 'evaluate') return runForEachItem(this, EVALUATE_OUTPUTS, monitor.evaluate.execute);
	const run = ONE_OUTPUT[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return runForEachItem(this, DONE_OUTPUTS, run);
}
