/**
 * Templates whose Review output posts to Slack, as tests run them: the Slack incoming-webhook URL a
 * user pastes in (the shipped placeholder, which nock can fake in-process, or a fake channel's URL for
 * a real n8n), and — for the reconciliation template — test credentials on its vendor steps.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import type { WorkflowJson } from './n8n-in-process';

/** The step every template's Review output feeds, and the URL it ships with. */
export const SLACK_STEP = 'Slack: needs a person';
export const SLACK_PLACEHOLDER = 'https://hooks.slack.com/services/REPLACE/WITH/YOURS';
export const SLACK_PATH = new URL(SLACK_PLACEHOLDER).pathname;

interface TemplateWithNodes {
	nodes: Array<{ name: string; type: string; parameters: Record<string, unknown>; credentials?: Record<string, { id: string; name: string }> }>;
}

/** Points the template's Slack step at `url`, as a user pastes their incoming webhook in. */
export function pointSlackAt<T extends TemplateWithNodes>(wf: T, url: string): T {
	const step = wf.nodes.find((n) => n.name === SLACK_STEP);
	if (!step) throw new Error(`the template has no "${SLACK_STEP}" step`);
	step.parameters.url = url;
	return wf;
}

/** scheduled-reconciliation.json with test credentials selected on its vendor steps. */
export function reconciliationTemplate(slackUrl = SLACK_PLACEHOLDER): WorkflowJson {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'scheduled-reconciliation.json'), 'utf8')) as WorkflowJson & TemplateWithNodes;
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-base.httpRequest') continue;
		if (node.parameters.genericAuthType === 'httpHeaderAuth') node.credentials = { httpHeaderAuth: { id: 'kit', name: 'Kit' } };
		if (node.parameters.nodeCredentialType === 'hubspotAppToken') node.credentials = { hubspotAppToken: { id: 'hubspot', name: 'HubSpot' } };
		if (node.parameters.nodeCredentialType === 'stripeApi') node.credentials = { stripeApi: { id: 'stripe', name: 'Stripe' } };
	}
	return pointSlackAt(wf, slackUrl);
}
