import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { Ledger } from '../../../ledger';
import { ledgerFor } from '../ledgerAccess';
import { renderMessagePage } from './layout';
import { isCrossSite } from './origin';
import { sendPage, type PageResponse } from './response';
import { checkThrottledPageAccess } from './throttle';

interface PageRequest {
	method?: string;
	path?: string;
	url?: string;
	headers: Record<string, string | string[] | undefined>;
}

/** What a page that shows the launch on GET and takes one action on POST does, given who signed in. */
export interface ActionPage {
	/** The Basic Auth realm, e.g. "Review desk". */
	realm: string;
	/** What a cross-site POST is told, e.g. "The review desk only takes actions sent from its own page." */
	notFromHere: string;
	show(ledger: Ledger, res: PageResponse, user: string, launch: string): Promise<void>;
	act(ledger: Ledger, res: PageResponse, user: string, launch: string): Promise<IWebhookResponseData>;
}

/**
 * The request flow every action page shares (the kill switch, the review desk): the throttled
 * sign-in, GET shows the page, POST acts only when sent from the page's own site.
 */
export async function serveActionPage(ctx: IWebhookFunctions, page: ActionPage): Promise<IWebhookResponseData> {
	const res = ctx.getResponseObject() as unknown as PageResponse;
	const req = ctx.getRequestObject() as unknown as PageRequest;
	const launch = String(ctx.getNodeParameter('launch', 'default') ?? '').trim() || 'default';
	const path = (req.path ?? req.url ?? '').split('?')[0]!;
	const access = await checkThrottledPageAccess(ctx, { realm: page.realm, nodeName: ctx.getNode().name, launch, page: path, ledger: () => ledgerFor(ctx) });
	if (!access.ok) {
		sendPage(res, access.status, access.page, access.headers);
		return { noWebhookResponse: true };
	}
	const ledger = await ledgerFor(ctx);
	if ((req.method ?? '').toUpperCase() !== 'POST') {
		await page.show(ledger, res, access.user, launch);
		return { noWebhookResponse: true };
	}
	if (isCrossSite(req.headers)) {
		sendPage(res, 403, renderMessagePage('Not from here', [`${page.notFromHere} Open the page and try again.`]));
		return { noWebhookResponse: true };
	}
	return page.act(ledger, res, access.user, launch);
}
