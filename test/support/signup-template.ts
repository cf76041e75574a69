/**
 * The waitlist-signup template as the e2e tests and the bench import it: the file as shipped, with
 * fake-vendor credentials selected on the Kit and HubSpot nodes (as a user does after import), and
 * optionally another id / path / spike mode for a second copy in the same n8n.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';

export const SIGNUP_TEMPLATE = join(PACKAGE_ROOT, 'workflows', 'waitlist-signup.json');
export const TRIGGER = 'Waitlist Capture Trigger';
export const KIT_NODE = 'Kit: add subscriber';
export const HUBSPOT_NODE = 'HubSpot: upsert contact';

/** Imported with `startE2eN8n({ credentials })`; the vendor fakes accept any secret. */
export const FAKE_VENDOR_CREDENTIALS = [
	{ id: 'wlFakeKitCred001', name: 'Kit (vendor fake)', type: 'convertKitApi', data: { apiSecret: 'kit-test-secret' } },
	{ id: 'wlFakeHubspot001', name: 'HubSpot (vendor fake)', type: 'hubspotAppToken', data: { appToken: 'hubspot-test-token' } },
];

interface TemplateNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
}
export interface TemplateJson {
	id: string;
	name: string;
	nodes: TemplateNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export function signupTemplate(
	variant: { id?: string; name?: string; path?: string; webhookId?: string; spikeMode?: boolean; launch?: string; settings?: Record<string, unknown> } = {},
): TemplateJson {
	const wf = JSON.parse(readFileSync(SIGNUP_TEMPLATE, 'utf8')) as TemplateJson;
	if (variant.id) wf.id = variant.id;
	if (variant.name) wf.name = variant.name;
	for (const node of wf.nodes) {
		if (node.name === TRIGGER) {
			if (variant.path) node.parameters.path = variant.path;
			if (variant.webhookId) node.webhookId = variant.webhookId;
			if (variant.spikeMode) node.parameters.spikeMode = true;
			if (variant.launch) node.parameters.launch = variant.launch;
			// The trigger's Options, e.g. { answerWithContactDetails: true } for a test that reads the contact id from the answer.
			if (variant.settings) node.parameters.settings = { ...((node.parameters.settings as object | undefined) ?? {}), ...variant.settings };
		}
		if (node.name === KIT_NODE) node.credentials = { convertKitApi: { id: FAKE_VENDOR_CREDENTIALS[0]!.id, name: FAKE_VENDOR_CREDENTIALS[0]!.name } };
		if (node.name === HUBSPOT_NODE) node.credentials = { hubspotAppToken: { id: FAKE_VENDOR_CREDENTIALS[1]!.id, name: FAKE_VENDOR_CREDENTIALS[1]!.name } };
	}
	return wf;
}

/** The signup template as published, with a landing site listed in the trigger's Allowed Origins (as a creator sets it for the snippet). */
export function signupTemplateAllowing(origin: string): { id: string; name: string; nodes: Array<{ type: string; parameters: Record<string, unknown> }>; connections: unknown } {
	const wf = JSON.parse(readFileSync(SIGNUP_TEMPLATE, 'utf8')) as ReturnType<typeof signupTemplateAllowing>;
	const trigger = wf.nodes.find((n) => n.type.endsWith('.waitlistCaptureTrigger'))!;
	trigger.parameters.settings = { ...((trigger.parameters.settings as object | undefined) ?? {}), allowedOrigins: origin };
	return wf;
}
