import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { WorkflowJson } from './n8n-in-process';

export const START = 'Start';
export const AFTER_DONE = 'After Done';
export const AFTER_REVIEW = 'After Review';

/**
 * Workflow JSON as the n8n editor saves it: Manual Trigger → one of the pack's action nodes, whose
 * Done and Review outputs each feed a No Op node (so a test can see that the run went on).
 */
export function actionWorkflow(
	node: { name: string; type: string; parameters: IDataObject; onError?: 'continueRegularOutput' | 'continueErrorOutput' | 'stopWorkflow' },
): WorkflowJson {
	return {
		name: `${node.name} test`,
		nodes: [
			{ id: 'a1', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'a2',
				name: node.name,
				type: `n8n-nodes-waitlist-ledger.${node.type}`,
				typeVersion: 1,
				position: [220, 0],
				parameters: node.parameters,
				...(node.onError ? { onError: node.onError } : {}),
			},
			{ id: 'a3', name: AFTER_DONE, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [440, -100], parameters: {} },
			{ id: 'a4', name: AFTER_REVIEW, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [440, 100], parameters: {} },
		],
		connections: {
			[START]: { main: [[{ node: node.name, type: 'main', index: 0 }]] },
			[node.name]: {
				main: [[{ node: AFTER_DONE, type: 'main', index: 0 }], [{ node: AFTER_REVIEW, type: 'main', index: 0 }]],
			},
		},
	} as WorkflowJson;
}

export function items(...jsons: IDataObject[]): INodeExecutionData[] {
	return jsons.map((json) => ({ json }));
}
