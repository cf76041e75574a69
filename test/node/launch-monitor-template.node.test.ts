import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { PACKAGE_ROOT, readWorkflowFiles } from '../../scripts/lib/n8n-instance';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, runWorkflow, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * workflows/launch-monitor.json in-process: the schedule's run takes a snapshot, evaluates, and
 * sends what fired to Slack, Email and Discord (each a local fake) — once; the dashboard's "check
 * now" runs the same steps.
 */

const FILE = join(PACKAGE_ROOT, 'workflows', 'launch-monitor.json');

interface TemplateNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
}

/** The template as a user fills it in: their Slack webhook URL pasted into the Slack step. */
function templateWith(slackUrl: string): WorkflowJson {
	const wf = JSON.parse(readFileSync(FILE, 'utf8')) as WorkflowJson & { nodes: TemplateNode[] };
	const slack = wf.nodes.find((n) => n.name === 'Slack')!;
	slack.parameters = { ...slack.parameters, url: slackUrl };
	return wf;
}

describe('launch-monitor.json: what it is', () => {
	const wf = JSON.parse(readFileSync(FILE, 'utf8')) as { id: string; nodes: TemplateNode[]; connections: Record<string, { main: Array<Array<{ node: string }>> }>; settings: Record<string, unknown> };

	it('has a fixed 16-character id, a fixed dashboard webhook id, and the dashboard pages npm start prints and waits for', () => {
		assert.equal(wf.id.length, 16);
		const dashboard = wf.nodes.find((n) => n.type === 'n8n-nodes-waitlist-ledger.launchMonitorDashboardTrigger')!;
		assert.match(dashboard.webhookId ?? '', /^[0-9a-f-]{36}$/);
		assert.equal(dashboard.parameters.authentication, 'basicAuth', 'protected by a password, never open');
		const [file] = readWorkflowFiles([FILE]);
		assert.deepEqual(
			file!.webhookPaths.map((w) => `${w.method} ${w.path}`),
			['GET launch-monitor', 'GET launch-monitor/signals.json', 'GET launch-monitor/metrics', 'GET launch-monitor/contacts.csv'],
		);
	});

	it('runs Take Snapshot then Evaluate Alerts every 5 minutes and from the dashboard, and sends all four outputs to Slack, Email and Discord', () => {
		const schedule = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger')!;
		assert.deepEqual(schedule.parameters.rule, { interval: [{ field: 'minutes', minutesInterval: 5 }] });
		assert.deepEqual(wf.connections[schedule.name]!.main, [[{ node: 'Take snapshot', type: 'main', index: 0 }]]);
		assert.deepEqual(wf.connections.Dashboard!.main, [[{ node: 'Take snapshot', type: 'main', index: 0 }]]);
		assert.deepEqual(wf.connections['Take snapshot']!.main, [[{ node: 'Evaluate alerts', type: 'main', index: 0 }]]);
		const outputs = wf.connections['Evaluate alerts']!.main;
		assert.equal(outputs.length, 4);
		for (const output of outputs) assert.deepEqual(output.map((c) => c.node).sort(), ['Discord', 'Email', 'Slack']);
		// The run ends by 2 minutes: Send Email and the Discord webhook have no timeout of their own.
		assert.deepEqual(wf.settings, { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveDataErrorExecution: 'all', executionTimeout: 120 });
	});
});

for (const driver of DRIVERS) {
	describe(`[${driver}] launch-monitor.json in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		let channels: FakeChannels;
		let credentials: Record<string, ICredentialDataDecryptedObject>;

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
			channels = await startFakeChannels();
			credentials = {
				...ledgerCredentialFor(db.config),
				httpBasicAuth: { user: 'team', password: 'a long password' },
				smtp: { host: '127.0.0.1', port: channels.smtpPort, secure: false, disableStartTls: true, user: '', password: '' },
				discordWebhookApi: { webhookUri: channels.discordUrl },
			};
		});
		after(async () => {
			await channels.close();
			await closeAllLedgers();
			await db.drop();
		});

		it('the schedule\'s run announces a dead letter once on every channel; the next run sends nothing', async () => {
			const { id } = await ledger.outbox.enqueue({ launch: 'default', kind: 'esp_sync', idempotencyKey: 'esp:ada', payload: { email: 'ada@example.com' }, maxAttempts: 1 });
			const [claimed] = await ledger.outbox.claim({ launch: 'default', limit: 1, leaseMs: 60_000, workerId: 'test' });
			assert.equal(claimed?.id, id);
			const [failed] = await ledger.outbox.fail('default', [{ id, claimToken: claimed!.claimToken, error: 'Kit answered 401: API key invalid' }]);
			assert.equal(failed?.outcome, 'dead');

			const template = templateWith(channels.slackUrl);
			const run = await runWorkflow(template, { trigger: { node: 'Every 5 minutes', items: [{ json: {} }] }, credentials });
			for (const node of ['Take snapshot', 'Evaluate alerts', 'Slack', 'Email', 'Discord']) assert.equal(run.error(node), undefined, `${node}: ${run.error(node)?.message}`);
			assert.deepEqual(run.output('Evaluate alerts', 0).map((a) => a.rule), ['dead_letters']);

			const [slack, ...moreSlack] = channels.messages('slack');
			assert.equal(moreSlack.length, 0);
			assert.match(slack!.text, /^🟠 FIRING · warning · Dead letters in the outbox\n1 outbox entry gave up \(esp_sync 1\); last error \(esp_sync\): Kit answered 401: API key invalid\nSince /);
			assert.match(slack!.text, /What to do first: Read the last error, fix its cause/);
			assert.match(slack!.text, /Dashboard: http:\/\/localhost:5678\/webhook\/launch-monitor$/);
			const [email] = channels.messages('email');
			assert.equal(email?.subject, '🟠 FIRING · warning · Dead letters in the outbox');
			assert.match(email!.text, /What to do first/);
			const [discord] = channels.messages('discord');
			assert.equal(discord?.text, slack!.text);

			const again = await runWorkflow(template, { trigger: { node: 'Every 5 minutes', items: [{ json: {} }] }, credentials });
			assert.equal(again.ran('Slack'), false, 'nothing changed: nothing is sent');
			assert.equal(channels.messages().length, 3);
		});

		it('"Check the alerts now" on the dashboard runs the same steps', async () => {
			const before = channels.messages().length;
			const { response, workflow } = await runWebhook(templateWith(channels.slackUrl), {
				node: 'Dashboard',
				webhookName: 'default',
				request: { method: 'POST', path: '/webhook/launch-monitor', headers: { authorization: `Basic ${Buffer.from('team:a long password').toString('base64')}` } } as FakeRequest,
				credentials,
			});
			assert.equal(response.status, 303);
			assert.equal(workflow?.error('Evaluate alerts'), undefined);
			assert.equal(workflow?.output('Take snapshot')[0]?.launch, 'default');
			assert.equal(channels.messages().length, before, 'the dead letter was announced already');
		});
	});
}
