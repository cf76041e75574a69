import { NodeOperationError, type IDataObject, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { CLICK_AND_CAMPAIGN_KEYS, referralLinkFor, type DoubleOptInOptions, type Ledger, type SubmitResult } from '../../../ledger';
import { captchaToken, verifyCaptcha } from '../captcha';
import { header, readSignupBody, remoteAddress, wantsHtml, withQuery, type ExpressLikeResponse, type IncomingRequest } from '../../shared/http';
import type { CaptureTriggerOptions } from '../options';
import { renderThankYou, type PlaceInLine } from '../page';
import { confirmPageUrl } from './confirm';
import { applyCors, ownOrigins } from './origin';
import { publicSignupAnswer, sendHostedForm, sendPage, signupAnswer } from './respond';
import { landingPageBase, placeInLineOf, referralLinkBase, statusLinkFor } from './status';

/** Said on the thank-you page while the person has not confirmed their address. */
const CONFIRM_REMINDER = 'Please check your inbox: click the link in the email we just sent to confirm your address.';

type Accepted = Extract<SubmitResult, { accepted: true }>;
type Refused = Extract<SubmitResult, { accepted: false }>;

/** A refusal: the form again with what to fix (a browser's form post), or JSON. */
function answerRefused(res: ExpressLikeResponse, options: CaptureTriggerOptions, refused: Refused, html: boolean): void {
	if (html) {
		const errors = refused.errors.length ? refused.errors : [{ field: 'form', reason: refused.message }];
		sendHostedForm(res, refused.status, options, refused.form, refused.values, errors);
	} else {
		res.status(refused.status).json({ ok: false, error: refused.reason, message: refused.message, errors: refused.errors });
	}
}

/**
 * A new person's place in line and links for the thank-you page. Only for a new signup: whoever posts
 * an address already on the list learns that it is, never its place or links.
 */
async function thankYouPlace(ctx: IWebhookFunctions, ledger: Ledger, req: IncomingRequest, options: CaptureTriggerOptions, accepted: Accepted): Promise<PlaceInLine | undefined> {
	if (!options.referrals.showPlaceInLine || !accepted.result.created) return undefined;
	const { contactId } = accepted.result;
	const standing = await ledger.referrals.standing({ launch: accepted.launch, contactId });
	const token = await ledger.referrals.statusToken(accepted.launch, contactId);
	return placeInLineOf(standing, referralLinkBase(ctx, req, options), statusLinkFor(ctx, token));
}

/** A signup's answer: the thank-you URL (with the campaign), the thank-you page (with the new person's place), or JSON. */
function answerSignedUp(
	ctx: IWebhookFunctions,
	res: ExpressLikeResponse,
	options: CaptureTriggerOptions,
	answer: { status: number; body: Record<string, unknown> },
	campaignFrom: Record<string, string | undefined>,
	html: boolean,
	thankYou: { message: string; place?: PlaceInLine } = { message: options.page.thankYouMessage },
): void {
	const { thankYouUrl } = options;
	if (options.respondWith === 'redirect' || (html && thankYouUrl)) {
		if (!thankYouUrl) {
			throw new NodeOperationError(ctx.getNode(), 'After Signup is "Redirect to Thank-You URL" but no Thank-You URL is set', {
				description: 'Fill in Thank-You URL (e.g. https://example.com/thanks), or choose Automatic.',
			});
		}
		const campaign = Object.fromEntries(CLICK_AND_CAMPAIGN_KEYS.filter((k) => k.startsWith('utm_')).map((k) => [k, campaignFrom[k]]));
		res.redirect(303, withQuery(thankYouUrl, campaign));
	} else if (html) {
		sendPage(res, answer.status, renderThankYou(options.page.title, thankYou.message, thankYou.place));
	} else {
		res.status(answer.status).json(answer.body);
	}
}

/** An accepted signup, answered; the full answer starts the run's item. */
async function answerAccepted(ctx: IWebhookFunctions, ledger: Ledger, req: IncomingRequest, res: ExpressLikeResponse, options: CaptureTriggerOptions, accepted: Accepted, html: boolean): Promise<IDataObject> {
	const answer = signupAnswer(accepted.result, options.answerWithContactDetails);
	const place = html ? await thankYouPlace(ctx, ledger, req, options, accepted) : undefined;
	const welcome = place || accepted.result.created || !options.referrals.showPlaceInLine ? options.page.thankYouMessage : "You're already on the list.";
	// Double opt-in: the person must know an email is on its way, and that they count once they click it.
	const message = accepted.result.optin.status === 'unconfirmed' ? `${welcome} ${CONFIRM_REMINDER}` : welcome;
	answerSignedUp(ctx, res, options, answer, accepted.signup.attribution, html, { message, place });
	return answer.full;
}

/**
 * A claimed sync as the run's expressions see it. An ESP sync carries the person's referral fields
 * (`referralFields`: code, link, placeInLine, of, referralCount) for the run's own ESP call; its ack
 * passes them back (Referral Fields Sent) so the outbox drain does not send them a second time.
 */
function claimedSyncItem(entry: Accepted['result']['claimedSync'][number], linkBase: string): IDataObject {
	const { id, claimToken, idempotencyKey, referralFields: fields } = entry;
	const referralFields = fields ? { code: fields.code, link: linkBase ? referralLinkFor(linkBase, fields.code) : '', placeInLine: fields.placeInLine, of: fields.of, referralCount: fields.referralCount } : undefined;
	return { id, claimToken, idempotencyKey, ...(referralFields ? { referralFields } : {}) };
}

/** The run's item: the answer, the signup as stored, and the sync entries this run holds. */
function signupItem(launch: string, answer: IDataObject, { result, signup, abuseSettingsError }: Accepted, referralLinkBase: string): IDataObject {
	return {
		// A mistake in the Abuse Signals options shows in every run until it is fixed (the signup was kept).
		...(abuseSettingsError ? { abuseSettingsError } : {}),
		...answer,
		launch,
		email: signup.email ?? null,
		phone: signup.phone ?? null,
		fields: signup.fields,
		attribution: result.attribution,
		consent: result.consent,
		changes: result.changes as IDataObject,
		pendingSync: result.pendingSync as unknown as IDataObject[],
		// The person's own referral code, and the code they came with if any (for the ESP's referral fields).
		referralCode: result.referral.code,
		referredBy: result.referral.referredBy ? (result.referral.referredBy as unknown as IDataObject) : null,
		// Double opt-in: unconfirmed until the person clicks confirmLink (a Send Email node mails it; sync.optin_email acks it).
		optin: optinItem(result.optin),
		// Abuse signals this signup raised; flagged: the contact waits on the review desk (Flagged signups).
		abuse: result.abuse as unknown as IDataObject,
		// By kind, for expressions like {{ $json.sync.esp_sync.id }}; absent when nothing needs sending.
		sync: Object.fromEntries(result.claimedSync.map((entry) => [entry.kind, claimedSyncItem(entry, referralLinkBase)])),
	};
}

/** What the run needs of double opt-in: the person's state and, when n8n sends it, the email's link and address. */
function optinItem(optin: Accepted['result']['optin']): IDataObject {
	return { status: optin.status, sentBy: optin.sentBy ?? null, confirmLink: optin.email?.confirmLink ?? null, emailQueued: optin.email ? optin.email.created : false };
}

/** The trigger's Double Opt-In option for the ledger, with the confirmation page's address (this trigger's `…/confirm`). */
function doubleOptInOf(ctx: IWebhookFunctions, options: CaptureTriggerOptions): DoubleOptInOptions | undefined {
	const { sentBy, linkValidDays } = options.doubleOptIn;
	return sentBy === 'off' ? undefined : { sentBy, linkValidDays, confirmUrl: confirmPageUrl(ctx) };
}

/** The CAPTCHA's verdict from the provider, with the secret key from the CAPTCHA Secret Key credential. */
async function checkCaptcha(ctx: IWebhookFunctions, provider: 'turnstile' | 'hcaptcha', token: string | null, address: string | null) {
	const credential = await ctx.getCredentials<{ secretKey?: string }>('captchaSecretApi');
	if (!credential?.secretKey) {
		throw new NodeOperationError(ctx.getNode(), 'CAPTCHA is on but the CAPTCHA Secret Key credential has no secret key', {
			description: 'Open the Waitlist Capture Trigger, choose or create a "CAPTCHA Secret Key" credential and paste your Turnstile or hCaptcha secret key, or set CAPTCHA to None.',
		});
	}
	return verifyCaptcha(ctx.helpers, { provider, secretKey: credential.secretKey, token, remoteAddress: address });
}

/** POST: a signup. The ledger decides (capture.submit); this reads the request and renders the verdict. */
export async function receiveSignup(ctx: IWebhookFunctions, ledger: Ledger, options: CaptureTriggerOptions): Promise<IWebhookResponseData> {
	const req = ctx.getRequestObject() as unknown as IncomingRequest;
	const res = ctx.getResponseObject() as unknown as ExpressLikeResponse;
	const body = await readSignupBody(req, options.maxBodyBytes);
	const html = options.respondWith === 'auto' && body.ok && wantsHtml(req, body.contentType);
	const address = remoteAddress(req);
	const captcha = options.captcha && body.ok ? await checkCaptcha(ctx, options.captcha.provider, captchaToken(body.fields), address) : undefined;
	let verdict: SubmitResult;
	try {
		verdict = await ledger.capture.submit({
			launch: options.launch,
			options: { ...options.capture, doubleOptIn: doubleOptInOf(ctx, options) },
			request: { body, origin: header(req, 'origin'), ownOrigins: ownOrigins(ctx, req), remoteAddress: address, userAgent: header(req, 'user-agent') ?? null, checklistRoute: header(req, 'x-waitlist-checklist') ?? null },
			// The run this signup starts syncs its own entries (claimed with the ledger's queued-run lease,
			// taken over as the run starts: takeOver.ts); in spike mode the batch drain does.
			claimFor: options.spikeMode ? undefined : { workerId: `n8n:${ctx.getNode().name}` },
			captcha,
		});
	} catch (error) {
		// A database that is down stays findable as the cause: the trigger answers it 503 (WaitlistCaptureTrigger.node.ts).
		throw new NodeOperationError(ctx.getNode(), error as Error, {
			description: 'The signup could not be saved in the ledger. Check the Waitlist Ledger credential and that its database is reachable.',
		});
	}
	applyCors(res, verdict.allowOrigin);
	if (!verdict.accepted && verdict.reason === 'forgotten') {
		// A forgotten person's address: answered as any signup (nothing tells the sender it was forgotten), nothing kept, no run.
		answerSignedUp(ctx, res, options, publicSignupAnswer(), verdict.values, html);
		return { noWebhookResponse: true };
	}
	if (!verdict.accepted) {
		answerRefused(res, options, verdict, html);
		return { noWebhookResponse: true };
	}
	const answer = await answerAccepted(ctx, ledger, req, res, options, verdict, html);
	if (options.spikeMode) return { noWebhookResponse: true };
	return { noWebhookResponse: true, workflowData: [[{ json: signupItem(verdict.launch, answer, verdict, landingPageBase(ctx, options)) }]] };
}
