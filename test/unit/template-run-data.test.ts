import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';

import { listTemplateFiles, PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';

/**
 * Issue 18: n8n keeps each run's data (every node's input and output) in its own database. A template
 * whose runs carry a person's email, phone or payment body must not keep its successful runs unless
 * the creator chooses to (README "What n8n keeps, and for how long"). n8n 2.41.1 reads these per
 * workflow (execution-lifecycle/to-save-settings.js): saveDataSuccessExecution, saveDataErrorExecution,
 * saveManualExecutions and saveExecutionProgress ("all" / "none" / true / false, or "DEFAULT" for the
 * instance's EXECUTIONS_DATA_SAVE_* value). How long a kept run stays is instance-wide only
 * (EXECUTIONS_DATA_MAX_AGE); there is no per-workflow age.
 */

/** Nodes whose items hold a person's identifiers or a payment body. */
const PERSONAL_DATA_NODES = new Set([
	'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger', // the signup as stored: email, phone, fields
	'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger', // the provider's whole body
	'n8n-nodes-waitlist-ledger.purchaseMatch', // the buyer's email on a purchase
	'n8n-nodes-waitlist-ledger.accessOutbox', // sync payloads: email, name, phone
	'n8n-nodes-waitlist-ledger.waitlistContact', // the contact
	'n8n-nodes-waitlist-ledger.reconcileSweep', // vendors' lists of people
	'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger', // a desk action's run (ids, and what the person typed as a reason)
	'n8n-nodes-waitlist-ledger.launchChecklist', // test buyers' addresses
	'n8n-nodes-waitlist-ledger.checkoutLinkTrigger', // the checkout link's body: the buyer's email
	'n8n-nodes-base.webhook', // a workflow's own webhook: whatever is posted
	'n8n-nodes-base.formTrigger', // a form's answers
]);

interface Template {
	nodes: Array<{ type: string }>;
	settings?: Record<string, unknown>;
}

const templates = [...listTemplateFiles(), ...listTemplateFiles(join(PACKAGE_ROOT, 'workflows', 'vendors'))].map((path) => ({
	file: path.includes('/vendors/') ? `vendors/${basename(path)}` : basename(path),
	wf: JSON.parse(readFileSync(path, 'utf8')) as Template,
}));

/** What is wrong with a template's run-data settings, if it carries personal data. */
function runDataProblems(wf: Template): string[] {
	if (!wf.nodes.some((n) => PERSONAL_DATA_NODES.has(n.type))) return [];
	const s = wf.settings ?? {};
	const problems: string[] = [];
	if (s.saveDataSuccessExecution !== 'none') problems.push(`saveDataSuccessExecution is ${JSON.stringify(s.saveDataSuccessExecution)}, not "none": every successful run would keep the person's data`);
	// A failed run is kept so it can be looked at and retried; pruned after EXECUTIONS_DATA_MAX_AGE, and deleted by Forget.
	if (s.saveDataErrorExecution !== 'all') problems.push(`saveDataErrorExecution is ${JSON.stringify(s.saveDataErrorExecution)}, not "all"`);
	// Progress saving writes every node's output while the run goes on; a run that then stops half-way keeps it.
	if (s.saveExecutionProgress !== false) problems.push(`saveExecutionProgress is ${JSON.stringify(s.saveExecutionProgress)}, not false`);
	return problems;
}

describe('templates that carry personal data keep no successful run data unless the creator chooses to', () => {
	it('the rule catches a template without the settings (or this test proves nothing)', () => {
		assert.equal(runDataProblems({ nodes: [{ type: 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger' }], settings: { executionOrder: 'v1' } }).length, 3);
		assert.deepEqual(runDataProblems({ nodes: [{ type: 'n8n-nodes-waitlist-ledger.killSwitchPageTrigger' }] }), []);
	});

	it('every shipped template was read, and the ones with personal data are the expected ones', () => {
		const personal = templates.filter((t) => t.wf.nodes.some((n) => PERSONAL_DATA_NODES.has(n.type))).map((t) => t.file);
		for (const file of ['waitlist-signup.json', 'launch-day-capture.json', 'checkout-to-access.json', 'checkout-to-access-lemonsqueezy-thinkific.json', 'outbox-drain.json', 'review-desk.json']) {
			assert.ok(personal.includes(file), `${file} carries personal data`);
		}
		assert.ok(templates.length >= 20, `read ${templates.length} templates`);
	});

	for (const { file, wf } of templates) {
		it(`${file}: successful runs not kept, failed runs kept, no progress saved (when it carries personal data)`, () => {
			assert.deepEqual(runDataProblems(wf), []);
		});
	}
});
