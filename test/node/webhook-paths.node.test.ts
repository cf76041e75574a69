/**
 * The triggers' webhook paths resolve without n8n's expression engine (nodes/shared/webhookPaths.ts):
 * n8n resolves a path natively only when the node's parameters hold no expression and the path
 * carries the exact template its resolver was made from. These tests check that the native value is
 * the one the expression engine computes from the template (the editor uses the template), and that
 * a trigger with an expression in its parameters still gets its path from the engine.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import * as n8nWorkflow from 'n8n-workflow';
import type { INode, IWebhookDescription } from 'n8n-workflow';

import { loadNodeType } from '../support/n8n-in-process';

const nodeTypes = {
	getByName: (type: string) => loadNodeType(type),
	getByNameAndVersion: (type: string, version?: number) => n8nWorkflow.NodeHelpers.getVersionedNodeType(loadNodeType(type), version),
	getKnownTypes: () => ({}),
};

const TRIGGERS = [
	{
		type: 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger',
		parameters: { path: 'join-the-list', launch: 'spring' },
		paths: ['join-the-list', 'join-the-list', 'join-the-list/snippet.js', 'join-the-list/status', 'join-the-list/confirm', 'join-the-list/confirm'],
	},
	{
		type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
		parameters: { path: 'stripe-orders', provider: 'stripe', launch: 'spring' },
		paths: ['stripe-orders'],
	},
	{
		type: 'n8n-nodes-waitlist-ledger.launchMonitorDashboardTrigger',
		parameters: { path: 'ops/monitor', launch: 'spring' },
		paths: ['ops/monitor', 'ops/monitor', 'ops/monitor/signals.json', 'ops/monitor/metrics', 'ops/monitor/contacts.csv'],
	},
];

function triggerIn(type: string, typeVersion: number, parameters: INode['parameters']) {
	const workflow = new n8nWorkflow.Workflow({
		id: 'webhookPaths0001',
		nodes: [
			{
				id: 't1',
				name: 'Trigger',
				type,
				typeVersion,
				position: [0, 0],
				parameters,
			},
		],
		connections: {},
		active: true,
		nodeTypes,
	});
	// The workflow's own node: its parameters include the defaults n8n applies, as on a server.
	const node = workflow.getNode('Trigger')!;
	const webhooks = nodeTypes.getByNameAndVersion(type, typeVersion).description.webhooks as IWebhookDescription[];
	const byEngine = (description: IWebhookDescription) => workflow.expression.getSimpleParameterValue(node, description.path, 'internal', {});
	return { node, webhooks, byEngine };
}

describe('trigger webhook paths resolve without the expression engine', () => {
	for (const trigger of TRIGGERS) {
		it(`${trigger.type.split('.')[1]}: native path = the template's value, for every webhook`, () => {
			const { node, webhooks, byEngine } = triggerIn(trigger.type, 1, trigger.parameters);
			assert.deepEqual(
				webhooks.map((w) => n8nWorkflow.resolveWebhookDescriptionField(node, w, 'path')),
				trigger.paths.map((value) => ({ resolved: true, value })),
			);
			assert.deepEqual(webhooks.map(byEngine), trigger.paths, 'the editor evaluates the same template to the same path');
			assert.ok(
				webhooks.every((w) => n8nWorkflow.webhookDescriptionIsNativelyResolvable(w)),
				'no field of any webhook needs the engine',
			);
		});

		it(`${trigger.type.split('.')[1]}: with an expression in its parameters, the path comes from the engine`, () => {
			const { node, webhooks, byEngine } = triggerIn(trigger.type, 1, {
				...trigger.parameters,
				launch: '={{ "spring" }}',
			});
			assert.ok(webhooks.every((w) => !n8nWorkflow.resolveWebhookDescriptionField(node, w, 'path').resolved));
			assert.deepEqual(webhooks.map(byEngine), trigger.paths);
		});
	}
});
