import { NodeConnectionTypes, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../ledger';
import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { renderMessagePage, sendPage, serveActionPage, type PageResponse } from '../shared/page';
import { pathFromParameter } from '../shared/webhookPaths';
import { readActionForm, runAction } from './actions';
import { killSwitchProperties, NODE_DISPLAY_NAME } from './description';
import { renderKillSwitchPage, type KillSwitchPageInput } from './page';


/**
 * The launch kill switch as a page served by n8n (it replaces a Form Trigger, whose Basic Auth n8n
 * checks itself and no node can slow down): sign-in through the page kit's throttled check, the
 * state and held entries on GET, one ledger call per action on POST (same-origin only), and a run
 * of the workflow with what was done.
 */
export class KillSwitchPageTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: NODE_DISPLAY_NAME,
		name: 'killSwitchPageTrigger',
		icon: { light: 'file:killSwitch.svg', dark: 'file:killSwitch.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'A password-protected page to pause or resume access grants and release held entries; wrong passwords are slowed and counted',
		defaults: { name: NODE_DISPLAY_NAME },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			// Who may open the page (nodes/shared/page/access.ts); one is required, there is no "open".
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references, n8n-nodes-base/node-class-description-credentials-name-unsuffixed
			{ name: 'httpBasicAuth', required: true, displayOptions: { show: { authentication: ['basicAuth'] } } },
			// eslint-disable-next-line @n8n/community-nodes/no-credential-reuse, @n8n/community-nodes/valid-credential-references
			{ name: 'httpHeaderAuth', required: true, displayOptions: { show: { authentication: ['headerAuth'] } } },
			// Shown unless Storage is "Default" (nodes/shared/ledgerAccess.ts).
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
		],
		// A new node: its first version starts at Default (no saved workflow relies on "auto").
		properties: [...storageProperties(1), ...killSwitchProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return serveActionPage(this, {
			realm: 'Launch kill switch',
			notFromHere: 'The kill switch only takes actions sent from its own page.',
			show: (ledger, res, user, launch) => show(ledger, res, 200, { signedInAs: user }, launch),
			act: (ledger, res, user, launch) => act(this, ledger, res, launch, user),
		});
	}
}

async function show(ledger: Ledger, res: PageResponse, status: number, input: Omit<KillSwitchPageInput, 'view'>, launch: string): Promise<void> {
	sendPage(res, status, renderKillSwitchPage({ ...input, view: await ledger.pages.killSwitchView(launch) }), { 'cache-control': 'no-store' });
}

/** One action; the page again with what happened (or what to fix), and a run of the workflow with it. */
async function act(ctx: IWebhookFunctions, ledger: Ledger, res: PageResponse, launch: string, user: string): Promise<IWebhookResponseData> {
	const body = ctx.getBodyData() as Record<string, unknown>;
	const refill = { action: String(body.action ?? ''), reason: String(body.reason ?? ''), name: String(body.name ?? '') };
	try {
		const done = await runAction(ledger, readActionForm(body, user, launch), `n8n:${ctx.getNode().name}`);
		await show(ledger, res, 200, { signedInAs: user, result: { ok: true, message: String(done.summary) } }, launch);
		return { noWebhookResponse: true, workflowData: [[{ json: done }]] };
	} catch (error) {
		if (!(error instanceof LedgerInputError)) {
			// The person is signed in: say what failed; nothing was changed unless the ledger committed it.
			sendPage(res, 500, renderMessagePage('The action could not be carried out', [(error as Error).message, 'Reload the page to see the current state, then try again.']));
			return { noWebhookResponse: true };
		}
		const message = `${FIELD_NAMES[error.field] ?? error.field}: ${error.reason}`;
		await show(ledger, res, 400, { signedInAs: user, result: { ok: false, message }, refill }, launch);
		return { noWebhookResponse: true };
	}
}

const FIELD_NAMES: Record<string, string> = { action: 'What do you want to do', reason: 'Why', entry: 'Held entries', ids: 'Held entries', by: 'Your name' };
