import { NodeConnectionTypes, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { isLedgerUnavailable } from '../../ledger';
import { storageProperties, waitlistLedgerConnectionTest, webhookLedger } from '../shared/ledgerAccess';
import { answerLedgerDown, asNodeError, logLedgerDown } from '../shared/ledgerDown';
import { confirmPathFromParameter, pathFromParameter, snippetPathFromParameter, statusPathFromParameter } from '../shared/webhookPaths';
import { captchaSecretTest } from './captchaSecretTest';
import { captureProperties } from './description';
import { isConfirmRequest, serveConfirmPage } from './handlers/confirm';
import { serveFormPage } from './handlers/formPage';
import { receiveSignup } from './handlers/signup';
import { isSnippetRequest, serveSnippet } from './handlers/snippet';
import { isStatusRequest, serveStatusPage } from './handlers/status';
import { takeOverClaims } from './handlers/takeOver';
import { header, type ExpressLikeResponse, type IncomingRequest } from '../shared/http';
import { captureTriggerOptions } from './options';

const LEDGER_UNREACHABLE = 'The ledger could not be opened. Check the Waitlist Ledger credential and that its database is reachable.';

export class WaitlistCaptureTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Capture Trigger',
		name: 'waitlistCaptureTrigger',
		icon: { light: 'file:capture.svg', dark: 'file:capture.dark.svg' },
		group: ['trigger'],
		// 1: n8n leaves the body unread (the hidden "Raw Body" parameter), so the trigger sees and records
		// every body. For that n8n evaluates one expression per request — a sandbox under the default
		// engine. 1.1 (the launch-day capture): no expression; n8n parses the body itself and answers some
		// bodies before the trigger runs (malformed JSON: 422), unrecorded. README "Launch day".
		version: [1, 1.1],
		defaultVersion: 1.1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'Receives waitlist signups (hosted form, landing-page snippet or POST) and saves each one in the ledger before answering',
		defaults: { name: 'Waitlist Capture Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// Shown unless Storage is "Default" (nodes/shared/ledgerAccess.ts).
		credentials: [
			{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } },
			{ name: 'captchaSecretApi', required: true, testedBy: 'captchaSecretTest', displayOptions: { show: { captcha: ['turnstile', 'hcaptcha'] } } },
		],
		webhooks: [
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...pathFromParameter(), isFullPath: true },
			// n8n knows two webhook names; the snippet is a second GET told apart by its path.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...snippetPathFromParameter(), isFullPath: true },
			// A person's status page (place in line, referrals), opened from a signed link.
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...statusPathFromParameter(), isFullPath: true },
			// Double opt-in: the link in the confirmation email (GET shows a Confirm button, which POSTs).
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', ...confirmPathFromParameter(), isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', ...confirmPathFromParameter(), isFullPath: true },
		],
		properties: [...storageProperties(1.1), ...captureProperties],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest, captchaSecretTest } };

	/** Picks the handler: the snippet (GET …/snippet.js), a status page (GET …/status), a confirmation link (GET …/confirm, its button POST …/confirm), the hosted form (GET), or a signup (POST). */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject() as unknown as IncomingRequest;
		const res = this.getResponseObject() as unknown as ExpressLikeResponse;
		const options = captureTriggerOptions(this);
		const isSetup = this.getWebhookName() === 'setup';
		if (isSetup && isSnippetRequest(req)) return serveSnippet(res, options);
		try {
			const ledger = await webhookLedger(this, LEDGER_UNREACHABLE);
			if (isSetup && isStatusRequest(req)) return await serveStatusPage(this, ledger, req, res, options);
			if (isConfirmRequest(req)) return await serveConfirmPage(this, ledger, req, res, options);
			return await (isSetup ? serveFormPage(ledger, req, res, options) : receiveSignup(this, ledger, options));
		} catch (error) {
			if (!isLedgerUnavailable(error)) throw asNodeError(this.getNode(), error);
			// The database is down: 503 + Retry-After in the visitor's format, never n8n's stack trace.
			logLedgerDown(this, error);
			answerLedgerDown(res, isSetup || (header(req, 'accept') ?? '').includes('text/html') ? 'html' : 'json');
			return { noWebhookResponse: true };
		}
	}

	/** n8n calls this as the run starts (wherever it runs): the run takes over its sync entries' claims. */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return takeOverClaims(this);
	}
}
