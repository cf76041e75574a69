import type { INodeProperties } from 'n8n-workflow';

import { byProperty, reasonProperty } from '../../shared/parameters';
import type { FieldLabels, ItemOperation, LaunchSettlement, NodeOutputs } from '../../shared/runner';

/**
 * Parameter labels by the ledger's field name, so "entries[0].claimToken" or "leaseMs" in a ledger
 * error becomes the name the user sees in the node.
 */
const LABELS: FieldLabels = {
	launch: 'Launch',
	kind: 'Kind',
	kinds: 'Kinds',
	idempotencyKey: 'Idempotency Key',
	contactId: 'Contact ID',
	payload: 'Payload',
	maxAttempts: 'Max Attempts',
	limit: 'Batch Size',
	listLimit: 'Limit',
	leaseMs: 'Lease (Seconds)',
	leaseSeconds: 'Lease (Seconds)',
	workerId: 'Worker ID',
	id: 'Entry ID',
	claimToken: 'Claim Token',
	retryAfter: 'Retry After',
	error: 'Error',
	delayMs: 'Delay (Seconds)',
	ids: 'Entry IDs',
	by: 'By',
	reason: 'Reason',
	scope: 'Scope',
};

/** One output; with "continue on fail" an error item takes its input item's place on it. */
export const OUTBOX_OUTPUTS: NodeOutputs<'done'> = { keys: ['done'], errorOutput: 'done', labels: LABELS };

/** Most operations: one input item in, its results out. */
export type OutboxItemOperation = ItemOperation<'done'>;

/** Ack, Fail and Release: every item checked on its own, then one ledger transaction per launch. */
export type OutboxSettlement<T> = LaunchSettlement<'done', T>;

/** By and Reason, for the kill-switch operations; both go into the launch history. */
export function personProperties(operations: string[]): INodeProperties[] {
	return [byProperty(operations, 'the launch history', 'ops@example.com'), reasonProperty(operations, 'the launch history', 'Wrong product mapping in checkout')];
}
