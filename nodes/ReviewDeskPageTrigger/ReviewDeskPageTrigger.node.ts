import { NodeConnectionTypes, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { LedgerInputError, type Ledger } from '../../ledger';
import { storageProperties, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { renderMessagePage, sendPage, serveActionPage, type PageResponse } from '../shared/page';
import { pathFromParameter } from '../shared/webhookPaths';
import { readDeskForm, runDeskAction, type DeskActionDone } from './actions';
import { NODE_DISPLAY_NAME, reviewDeskProperties } from './description';
import { renderReviewDeskPage, type ReviewDeskPageInput } from './page';
import { readDeskView, type DeskQuery } from './view';


/**
 * The review desk as a page served by n8n: sign-in through the page kit's throttled check (a Basic
 * Auth or Header Auth credential, never open), the open review items and the lists beside them on
 * GET, one ledger call per action on POST (same-origin only), and a run of the workflow with what
 * was done.
 */
export class ReviewDeskPageTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: NODE_DISPLAY_NAME,
		name: 'reviewDeskPageTrigger',
		icon: { light: 'file:reviewDesk.svg', dark: 'file:reviewDesk.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'A password-protected page to settle what the pack would not decide alone: match buyers, merge contacts, release held grants, retry dead letters',
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
		properties: [...storageProperties(1), ...reviewDeskProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const query = readQuery(this.getQueryData());
		return serveActionPage(this, {
			realm: 'Review desk',
			notFromHere: 'The review desk only takes actions sent from its own page.',
			show: async (ledger, res, user, launch) => {
				const view = await readDeskView(ledger, launch, query);
				// An item id that names nothing here is said so on the page, with a status to match.
				sendDesk(res, query.item && !view.focus?.item ? 404 : 200, { signedInAs: user, view });
			},
			act: (ledger, res, user, launch) => act(this, ledger, res, launch, user),
		});
	}
}

/** The query parameters the page reads; anything else (or a repeated one) is ignored. */
function readQuery(raw: unknown): DeskQuery {
	const q = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
	const out: DeskQuery = {};
	for (const key of ['item', 'search', 'cursor', 'inbox', 'signups', 'deliveries', 'dead', 'flagged'] as const) {
		const v = q[key];
		if (typeof v === 'string' && v.length <= 1000) out[key] = key === 'search' ? v.trim() : v;
	}
	return out;
}

function sendDesk(res: PageResponse, status: number, input: ReviewDeskPageInput): void {
	sendPage(res, status, renderReviewDeskPage(input), { 'cache-control': 'no-store' });
}

async function show(ledger: Ledger, res: PageResponse, status: number, input: Omit<ReviewDeskPageInput, 'view'>, launch: string, query: DeskQuery): Promise<void> {
	sendDesk(res, status, { ...input, view: await readDeskView(ledger, launch, query) });
}

/** Ledger field names → what the person sees on the page. */
const FIELD_NAMES: Record<string, string> = {
	action: 'What to do',
	reason: 'Why',
	by: 'Your name',
	reviewId: 'Review item',
	contactId: 'Contact',
	productId: 'Product ID',
	entryId: 'Entry',
	keep: 'Which contact stays',
	query: 'Search',
};

/** One action; the page again with what happened (or what to fix), and a run of the workflow with it. */
async function act(ctx: IWebhookFunctions, ledger: Ledger, res: PageResponse, launch: string, user: string): Promise<IWebhookResponseData> {
	const body = (ctx.getBodyData() ?? {}) as Record<string, unknown>;
	const reviewId = typeof body.reviewId === 'string' ? body.reviewId : undefined;
	// After the action the page opens on the item acted on, so its new state (or Unmerge) is in view.
	const query: DeskQuery = reviewId ? { item: reviewId } : {};
	let done: DeskActionDone;
	try {
		done = await runDeskAction(ledger, readDeskForm(body, user, launch), `n8n:${ctx.getNode().name}`);
	} catch (error) {
		if (!(error instanceof LedgerInputError)) {
			// The person is signed in: say what failed; nothing was changed unless the ledger committed it.
			sendPage(res, 500, renderMessagePage('The action could not be carried out', [(error as Error).message, 'Reload the page to see the current state, then try again.']));
			return { noWebhookResponse: true };
		}
		const message = `${FIELD_NAMES[error.field] ?? error.field}: ${error.reason}`;
		await show(ledger, res, 400, { signedInAs: user, result: { ok: false, message } }, launch, query);
		return { noWebhookResponse: true };
	}
	// Done and committed: the run starts even if showing the page again fails.
	await show(ledger, res, 200, { signedInAs: user, result: { ok: true, message: done.summary } }, launch, query).catch(() => {
		sendPage(res, 200, renderMessagePage('Done', [done.summary, 'Reload the page to see the current state.']));
	});
	return { noWebhookResponse: true, workflowData: [[{ json: done }]] };
}
