import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import {
	ATTRIBUTION_KEYS,
	DEFAULT_CAPTURE_POLICY,
	LedgerInputError,
	signFormTimestamp,
	validateSignup,
	type AttributionWithoutConsent,
	type CapturePolicy,
	type FieldError,
	type Ledger,
} from '../../ledger';
import { ledgerFor, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';
import { captureProperties } from './description';
import { header, readSignupBody, remoteAddress, wantsHtml, withQuery, type IncomingRequest } from './http';
import { renderForm, renderThankYou, type FormField, type RenderedPage } from './page';
import { renderSnippet } from './snippet';
import { pathFromParameter, snippetPathFromParameter } from '../shared/webhookPaths';

/** How long this signup's own run holds its sync entries before the drain may take them over. */
const SYNC_LEASE_MS = 10 * 60_000;

const CLICK_AND_CAMPAIGN_KEYS = ATTRIBUTION_KEYS.filter((k) => k !== 'referrer' && k !== 'landing_url');

interface ExpressLikeResponse {
	status(code: number): ExpressLikeResponse;
	setHeader(name: string, value: string): unknown;
	json(body: unknown): unknown;
	send(body: unknown): unknown;
	end(body?: unknown): unknown;
	redirect(status: number, url: string): unknown;
}

interface FormSettings {
	title?: string;
	intro?: string;
	askFirstName?: boolean;
	askPhone?: boolean;
	consentText?: string;
	consentRequired?: boolean;
	submitLabel?: string;
}

interface OptionSettings {
	allowedOrigins?: string;
	attributionWithoutConsent?: AttributionWithoutConsent;
	cookieDays?: number;
	consentMode?: 'always' | 'checkbox' | 'cmp' | 'never';
	honeypotField?: string;
	maxBodyKb?: number;
	minSeconds?: number;
	paidMediums?: string;
	requireSourceForPaid?: boolean;
	syncKinds?: string[];
}

const REJECTION_MESSAGES: Record<string, string> = {
	invalid: 'Some fields need fixing.',
	paid_without_source: 'Paid traffic must say where it came from.',
	honeypot: 'This signup looked automated and was not saved.',
	too_fast: 'The form was sent too quickly. Wait a moment and send it again.',
	malformed: 'The request body could not be read.',
	too_large: 'The request body is too large.',
	unsupported_type: 'The request content type is not accepted.',
	origin_not_allowed: 'Signups from this website are not accepted.',
	consent_required: 'Please tick the consent box to join.',
};

function send(res: ExpressLikeResponse, status: number, page: RenderedPage): void {
	res.status(status);
	for (const [name, value] of Object.entries(page.headers)) res.setHeader(name, value);
	res.send(page.html);
}

function firstString(value: unknown): string | undefined {
	if (Array.isArray(value)) return firstString(value[0]);
	return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export class WaitlistCaptureTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Capture Trigger',
		name: 'waitlistCaptureTrigger',
		icon: { light: 'file:capture.svg', dark: 'file:capture.dark.svg' },
		group: ['trigger'],
		// Stays 1: n8n leaves the body unparsed only for a version-1 webhook node whose hidden
		// `options.binaryData` is set (the "Raw Body" parameter), which is how the trigger sees malformed
		// and oversized bodies to answer and record them. From 1.1 on n8n parses JSON itself and answers
		// a malformed body 422 before the trigger runs — nothing recorded.
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'Receives waitlist signups (hosted form, landing-page snippet or POST) and saves each one in the ledger before answering',
		defaults: { name: 'Waitlist Capture Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest' }],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			// n8n knows two webhook names; the snippet is a second GET told apart by its path.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...snippetPathFromParameter(), isFullPath: true },
		],
		properties: captureProperties,
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject() as unknown as ExpressLikeResponse;
		const req = this.getRequestObject() as unknown as IncomingRequest;
		const launch = (this.getNodeParameter('launch', 'default') as string).trim() || 'default';
		const form = this.getNodeParameter('form', {}) as FormSettings;
		const settings = this.getNodeParameter('settings', {}) as OptionSettings;
		const webhookName = this.getWebhookName();
		const requestPath = (req.path ?? req.url ?? '').split('?')[0]!;

		if (webhookName === 'setup' && requestPath.endsWith('/snippet.js')) {
			res.status(200);
			res.setHeader('content-type', 'application/javascript; charset=utf-8');
			res.setHeader('cache-control', 'public, max-age=300');
			res.send(
				renderSnippet({
					keys: CLICK_AND_CAMPAIGN_KEYS,
					cookieName: 'wl_attr',
					cookieDays: settings.cookieDays ?? 30,
					consentMode: settings.consentMode ?? 'checkbox',
					consentCheckbox: 'consent',
				}),
			);
			return { noWebhookResponse: true };
		}

		let ledger: Ledger;
		try {
			ledger = await ledgerFor(this);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'The ledger could not be opened. Check the Waitlist Ledger credential and that its database is reachable.',
			});
		}
		const secret = await ledger.capture.secret(launch);
		const { canonicalKey, defaultCountry } = await ledger.capture.context(launch);
		const fields: FormField[] = [
			...(form.askFirstName ?? true ? [{ name: 'first_name', label: 'First name', type: 'text' as const, required: false }] : []),
			{ name: 'email', label: 'Email', type: 'email', required: canonicalKey === 'email' },
			...(form.askPhone || canonicalKey === 'phone' ? [{ name: 'phone', label: 'Phone', type: 'tel' as const, required: canonicalKey === 'phone' }] : []),
		];
		const policy: CapturePolicy = {
			...DEFAULT_CAPTURE_POLICY,
			paidMediums: settings.paidMediums ? settings.paidMediums.split(',').map((m) => m.trim()).filter(Boolean) : DEFAULT_CAPTURE_POLICY.paidMediums,
			requireSourceForPaid: settings.requireSourceForPaid ?? true,
			honeypotField: settings.honeypotField ?? DEFAULT_CAPTURE_POLICY.honeypotField,
			minSubmitMs: Math.max(0, (settings.minSeconds ?? 2) * 1000),
			attributionWithoutConsent: settings.attributionWithoutConsent ?? 'raw',
			syncKinds: settings.syncKinds ?? DEFAULT_CAPTURE_POLICY.syncKinds,
			secret,
		};
		const respondWith = this.getNodeParameter('respondWith', 'auto') as 'auto' | 'json' | 'redirect';
		const thankYouUrl = (this.getNodeParameter('thankYouUrl', '') as string).trim();
		const thankYouMessage = this.getNodeParameter('thankYouMessage', "Thanks! You're on the list.") as string;
		const formActions = thankYouUrl ? [new URL(thankYouUrl).origin] : [];
		const formPage = (values: Record<string, string>, errors: FieldError[] = [], hidden: Record<string, string> = {}) =>
			renderForm(
				{
					title: form.title ?? 'Join the waitlist',
					intro: form.intro ?? 'Be the first to know when doors open.',
					fields,
					consentText: form.consentText ?? 'Yes, email me about the launch. I can unsubscribe at any time.',
					consentRequired: form.consentRequired ?? false,
					submitLabel: form.submitLabel ?? 'Join the waitlist',
					honeypotField: policy.honeypotField || 'website',
					hidden: { ...hidden, wl_form: 'hosted', wl_ts: signFormTimestamp(Date.now(), secret) },
					values,
					errors,
					consentChecked: ['yes', 'on', 'true'].includes(String(values.consent ?? '').toLowerCase()),
				},
				formActions,
			);

		if (webhookName === 'setup') {
			// Campaign parameters on the form's own URL ride along in hidden fields, JavaScript or not.
			const query = (req.query ?? {}) as Record<string, unknown>;
			const hidden: Record<string, string> = {};
			for (const key of CLICK_AND_CAMPAIGN_KEYS) {
				const value = firstString(query[key]);
				if (value) hidden[key] = value.slice(0, 500);
			}
			const referrer = header(req, 'referer');
			if (referrer) hidden.referrer = referrer.slice(0, 1000);
			send(res, 200, formPage({}, [], hidden));
			return { noWebhookResponse: true };
		}

		// ── POST: a signup ──
		const remote = remoteAddress(req);
		const userAgent = header(req, 'user-agent') ?? null;
		const body = await readSignupBody(req, Math.max(1, settings.maxBodyKb ?? 64) * 1024);
		const contentType = body.contentType;
		const html = respondWith === 'auto' && body.ok && wantsHtml(req, body.contentType);
		const fromHostedForm = body.ok && body.fields.wl_form === 'hosted';

		const reject = async (status: number, reason: string, errors: FieldError[], values: Record<string, unknown> = {}) => {
			await ledger.capture.recordRejection({
				launch,
				status,
				reason,
				errors,
				contentType,
				payload: body.raw,
				remoteAddress: remote,
				userAgent,
			});
			if (html) {
				const kept = Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
				const hidden = Object.fromEntries(CLICK_AND_CAMPAIGN_KEYS.filter((k) => kept[k]).map((k) => [k, kept[k]!]));
				for (const key of ['referrer', 'landing_url']) if (kept[key]) hidden[key] = kept[key]!;
				send(res, status, formPage(kept, errors.length ? errors : [{ field: 'form', reason: REJECTION_MESSAGES[reason] ?? reason }], hidden));
			} else {
				res.status(status).json({ ok: false, error: reason, message: REJECTION_MESSAGES[reason] ?? reason, errors });
			}
			return { noWebhookResponse: true };
		};

		if (!body.ok) return reject(body.status, body.reason, [{ field: 'body', reason: body.message }]);

		const origin = header(req, 'origin');
		const allowed = (settings.allowedOrigins ?? '*').split(',').map((o) => o.trim()).filter(Boolean);
		if (origin && !allowed.includes('*') && !allowed.includes(origin)) {
			return reject(403, 'origin_not_allowed', [{ field: 'origin', reason: `${origin} is not in the allowed origins (${allowed.join(', ')})` }], body.fields);
		}
		if (origin && !allowed.includes('*')) res.setHeader('access-control-allow-origin', origin);

		// The hosted form's "Consent Required" applies to its own posts; API and snippet callers decide for themselves.
		const requireConsent = (form.consentRequired ?? false) && fromHostedForm;
		const verdict = validateSignup(body.fields, { ...policy, requireConsent }, { canonicalKey, defaultCountry });
		if (!verdict.ok) return reject(verdict.status, verdict.reason, verdict.errors, body.fields);

		const spikeMode = this.getNodeParameter('spikeMode', false) as boolean;
		let result;
		try {
			result = await ledger.capture.capture({
				launch,
				signup: verdict.signup,
				policy,
				source: fromHostedForm ? 'capture:hosted-form' : 'capture',
				consentText: verdict.signup.consentGiven ? form.consentText : undefined,
				// The run this signup starts syncs its own entries; in spike mode the batch drain does.
				claimFor: spikeMode ? undefined : { workerId: `n8n:${this.getNode().name}`, leaseMs: SYNC_LEASE_MS },
			});
		} catch (error) {
			if (error instanceof LedgerInputError) return reject(422, 'invalid', [{ field: error.field, reason: error.reason }], body.fields);
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'The signup could not be saved in the ledger. Check the Waitlist Ledger credential and that its database is reachable.',
			});
		}

		const answer = {
			ok: true,
			status: result.created ? 'subscribed' : 'already_subscribed',
			message: result.created ? "You're on the list." : "You're already on the list.",
			contactId: result.contactId,
			created: result.created,
		};
		const campaign = Object.fromEntries(CLICK_AND_CAMPAIGN_KEYS.filter((k) => k.startsWith('utm_')).map((k) => [k, verdict.signup.attribution[k]]));
		if (respondWith === 'redirect' || (html && thankYouUrl)) {
			if (!thankYouUrl) {
				throw new NodeOperationError(this.getNode(), 'After Signup is "Redirect to Thank-You URL" but no Thank-You URL is set', {
					description: 'Fill in Thank-You URL (e.g. https://example.com/thanks), or choose Automatic.',
				});
			}
			res.redirect(303, withQuery(thankYouUrl, campaign));
		} else if (html) {
			send(res, result.created ? 201 : 200, renderThankYou(form.title ?? 'Join the waitlist', thankYouMessage));
		} else {
			res.status(result.created ? 201 : 200).json(answer);
		}

		if (spikeMode) return { noWebhookResponse: true };
		const item: IDataObject = {
			...answer,
			launch,
			email: verdict.signup.email ?? null,
			phone: verdict.signup.phone ?? null,
			fields: verdict.signup.fields,
			attribution: result.attribution,
			consent: result.consent,
			changes: result.changes as IDataObject,
			pendingSync: result.pendingSync as unknown as IDataObject[],
			// By kind, for expressions like {{ $json.sync.esp_sync.id }}; absent when nothing needs sending.
			sync: Object.fromEntries(result.claimedSync.map((entry) => [entry.kind, { id: entry.id, claimToken: entry.claimToken, idempotencyKey: entry.idempotencyKey }])),
		};
		return { noWebhookResponse: true, workflowData: [[{ json: item }]] };
	}
}
