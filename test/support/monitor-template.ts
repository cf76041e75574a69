/**
 * workflows/launch-monitor.json as a user completes it for a real n8n: their Slack webhook URL
 * pasted in, a credential selected on the dashboard, Email and Discord steps (credentials imported
 * by the e2e harness, pointing at test/support/fake-channels.ts), and successful runs kept so a
 * test can wait for them (the template keeps only failed ones).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import type { FakeChannels } from './fake-channels';

export const MONITOR_WORKFLOW_ID = 'wlLaunchMonitor1';
export const DASHBOARD_USER = 'launch-team';
export const DASHBOARD_PASSWORD = 'a long launch-day password';
export const DASHBOARD_AUTH = `Basic ${Buffer.from(`${DASHBOARD_USER}:${DASHBOARD_PASSWORD}`).toString('base64')}`;

const CREDENTIAL_IDS = {
	basic: { id: 'monitorBasicAu01', name: 'Launch team', type: 'httpBasicAuth' },
	smtp: { id: 'monitorSmtpE2e01', name: 'Fake SMTP', type: 'smtp' },
	discord: { id: 'monitorDiscord01', name: 'Fake Discord', type: 'discordWebhookApi' },
} as const;

interface TemplateNode {
	name: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
}

export interface MonitorTemplate {
	workflow: { id: string; name: string; nodes: unknown[]; connections: unknown };
	credentials: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>;
}

export function monitorTemplate(channels: FakeChannels): MonitorTemplate {
	const wf = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'launch-monitor.json'), 'utf8')) as { id: string; name: string; nodes: TemplateNode[]; connections: unknown; settings: Record<string, unknown> };
	const node = (name: string) => wf.nodes.find((n) => n.name === name)!;
	const ref = ({ id, name }: { id: string; name: string }) => ({ id, name });
	node('Slack').parameters.url = channels.slackUrl;
	node('Dashboard').credentials = { httpBasicAuth: ref(CREDENTIAL_IDS.basic) };
	node('Email').credentials = { smtp: ref(CREDENTIAL_IDS.smtp) };
	node('Discord').credentials = { discordWebhookApi: ref(CREDENTIAL_IDS.discord) };
	wf.settings = { ...wf.settings, saveDataSuccessExecution: 'all' };
	return {
		workflow: wf,
		credentials: [
			{ ...CREDENTIAL_IDS.basic, data: { user: DASHBOARD_USER, password: DASHBOARD_PASSWORD } },
			{ ...CREDENTIAL_IDS.smtp, data: { host: '127.0.0.1', port: channels.smtpPort, secure: false, disableStartTls: true, user: '', password: '' } },
			{ ...CREDENTIAL_IDS.discord, data: { webhookUri: channels.discordUrl } },
		],
	};
}
