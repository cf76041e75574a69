import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { referralLinkFor, type Ledger, type ReferralStanding } from '../../../ledger';
import { header, type ExpressLikeResponse, type IncomingRequest } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { renderStatus, type PlaceInLine } from '../page';
import { sendPage } from './respond';

export function isStatusRequest(req: IncomingRequest): boolean {
	return (req.path ?? req.url ?? '').split('?')[0]!.endsWith('/status');
}

/** The hosted form's own address (the form's GET webhook), without a query string. */
function hostedFormUrl(ctx: IWebhookFunctions): string {
	return ctx.getNodeWebhookUrl('setup') ?? '';
}

/**
 * Where referral links point: the node's setting; else the page the form was on (a landing page with
 * the snippet), without its query; else the hosted form itself.
 */
export function referralLinkBase(ctx: IWebhookFunctions, req: IncomingRequest, options: CaptureTriggerOptions): string {
	if (options.referrals.linkBase) return options.referrals.linkBase;
	const referer = header(req, 'referer');
	if (referer) {
		try {
			const page = new URL(referer);
			if (page.protocol === 'https:' || page.protocol === 'http:') return `${page.origin}${page.pathname}`;
		} catch {
			// Not a URL: fall back to the hosted form.
		}
	}
	return hostedFormUrl(ctx);
}

/**
 * Where the links the trigger hands out itself point (status page, the run's ESP referral fields): the
 * creator's landing page, else the hosted form — never where a request came from.
 */
export function landingPageBase(ctx: IWebhookFunctions, options: CaptureTriggerOptions): string {
	return options.referrals.linkBase || hostedFormUrl(ctx);
}

export function statusLinkFor(ctx: IWebhookFunctions, token: string): string {
	return `${hostedFormUrl(ctx)}/status?token=${encodeURIComponent(token)}`;
}

export function placeInLineOf(standing: ReferralStanding, linkBase: string, statusLink?: string): PlaceInLine {
	return { place: standing.place, of: standing.of, referralLink: referralLinkFor(linkBase, standing.code), counted: standing.referrals.counted, pending: standing.referrals.pending, statusLink };
}

/** GET …/status?token=…: the person's place and referral counts; a tampered or stale link gets 404 and says what to do. */
export async function serveStatusPage(ctx: IWebhookFunctions, ledger: Ledger, req: IncomingRequest, res: ExpressLikeResponse, options: CaptureTriggerOptions): Promise<IWebhookResponseData> {
	const token = (req.query ?? {}).token;
	const standing = await ledger.referrals.standingByToken(options.launch, Array.isArray(token) ? token[0] : token);
	const title = options.page.title;
	const base = landingPageBase(ctx, options);
	// The leaderboard (off by default) is read only for a valid link: a tampered one learns nothing.
	const leaderboard = standing && options.referrals.showLeaderboard ? await ledger.referrals.leaderboard(options.launch) : undefined;
	sendPage(res, standing ? 200 : 404, renderStatus(title, standing ? placeInLineOf(standing, base) : null, leaderboard));
	return { noWebhookResponse: true };
}
