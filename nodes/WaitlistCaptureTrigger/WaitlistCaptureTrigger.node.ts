import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { LedgerInputError } from '../../ledger';
import { ledgerFor, waitlistLedgerConnectionTest } from '../shared/ledgerAccess';

const RESERVED = new Set(['email']);

/** Profile fields are whatever else the form sent, as plain strings/numbers/booleans. */
function profileFields(body: IDataObject): Record<string, string | number | boolean> {
	const fields: Record<string, string | number | boolean> = {};
	for (const [key, value] of Object.entries(body)) {
		if (RESERVED.has(key)) continue;
		if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
	}
	return fields;
}

export class WaitlistCaptureTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Waitlist Capture Trigger',
		name: 'waitlistCaptureTrigger',
		icon: { light: 'file:capture.svg', dark: 'file:capture.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"POST /webhook/" + $parameter["path"]}}',
		description: 'Receives waitlist signups and saves each one in the ledger before answering',
		defaults: { name: 'Waitlist Capture Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// Optional: without it the ledger is an embedded SQLite file in the n8n user folder.
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest' }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: '={{$parameter["path"]}}',
				isFullPath: true,
			},
		],
		properties: [
			{
				displayName: 'Path',
				name: 'path',
				type: 'string',
				default: 'waitlist-signup',
				required: true,
				description: 'The end of the signup URL, e.g. "waitlist-signup" gives https://your-n8n/webhook/waitlist-signup',
			},
			{
				displayName: 'Launch',
				name: 'launch',
				type: 'string',
				default: 'default',
				description: 'Which launch these signups belong to, e.g. "spring-course-2027". One ledger can hold several launches.',
			},
		],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const res = this.getResponseObject();
		const launch = (this.getNodeParameter('launch', 'default') as string).trim() || 'default';
		const body = this.getBodyData();
		const ledger = await ledgerFor(this);
		try {
			const result = await ledger.contacts.upsert({
				launch,
				email: body.email as string,
				fields: profileFields(body),
				source: 'capture',
			});
			const answer = {
				ok: true,
				status: result.created ? 'subscribed' : 'already_subscribed',
				contactId: result.contactId,
				created: result.created,
			};
			res.status(result.created ? 201 : 200).json(answer);
			return {
				noWebhookResponse: true,
				workflowData: [[{ json: { ...answer, launch, email: body.email as string, changes: result.changes } }]],
			};
		} catch (error) {
			if (error instanceof LedgerInputError) {
				res.status(422).json({ ok: false, error: 'invalid_signup', field: error.field, message: error.message });
				return { noWebhookResponse: true };
			}
			throw new NodeOperationError(this.getNode(), error as Error, {
				description: 'The signup could not be saved in the ledger. Check the Waitlist Ledger credential and that its database is reachable.',
			});
		}
	}
}
