import type { INodeProperties } from 'n8n-workflow';

import { ALERT_RULE_IDS, ALERT_RULES, type AlertRuleId } from '../../../ledger';
import type { FieldLabels, ItemOperation, NodeOutputs } from '../../shared/runner';

/** Ledger and node field names → the parameter the user sees. */
const LABELS: FieldLabels = {
	launch: 'Launch',
	rule: 'Alert',
	by: 'By',
	note: 'Note',
	reason: 'Reason',
	until: 'Until',
	minutes: 'Minutes',
	windowMs: 'Minutes',
	windowMinutes: 'Minutes',
	dashboardUrl: 'Dashboard URL',
	now: 'Now',
};

/** Evaluate Alerts leaves on four outputs, in this order (the node's output names say the same). */
export type EvaluateOutput = 'fired' | 'resolved' | 'reminder' | 'digest';
export const EVALUATE_OUTPUTS: NodeOutputs<EvaluateOutput> = {
	keys: ['fired', 'resolved', 'reminder', 'digest'],
	// A failed evaluation is itself news: with "continue on fail" its error item goes where alerts go.
	errorOutput: 'fired',
	labels: LABELS,
};

/** Every other operation: one output. */
export const DONE_OUTPUTS: NodeOutputs<'done'> = { keys: ['done'], errorOutput: 'done', labels: LABELS };

export type MonitorOperation = ItemOperation<'done'>;
export type EvaluateOperation = ItemOperation<EvaluateOutput>;

/** The alert rules as options a person picks from (sorted by name, as n8n's lint wants). */
export function ruleOptions(withAll: boolean): Array<{ name: string; value: string; description: string }> {
	const rules = (ALERT_RULE_IDS as readonly AlertRuleId[]).map((rule) => ({
		name: ALERT_RULES[rule].title,
		value: rule,
		description: `${ALERT_RULES[rule].severity === 'critical' ? 'Critical' : 'Warning'}: ${ALERT_RULES[rule].advice}`,
	}));
	const all = withAll ? [{ name: 'All Alerts', value: 'all', description: 'Every alert of the launch' }] : [];
	return [...all, ...rules].sort((a, b) => a.name.localeCompare(b.name));
}

/** The Alert parameter: which rule, picked by name or read from an alert item by an expression. */
export function ruleProperty(operations: string[], withAll: boolean): INodeProperties {
	const description = 'Which alert. To act on an alert item from Evaluate Alerts, use an expression that reads its rule field.';
	const displayOptions = { show: { operation: operations } };
	if (withAll) return { displayName: 'Alert', name: 'rule', type: 'options', options: ruleOptions(true), default: 'all', description, displayOptions };
	return { displayName: 'Alert', name: 'rule', type: 'options', options: ruleOptions(false), default: 'ingestion_drop', description, displayOptions };
}
