import { NodeConnectionTypes, type IDataObject, type INodeType, type INodeTypeDescription, type IWebhookFunctions, type IWebhookResponseData } from 'n8n-workflow';

import { storageProperties, waitlistLedgerConnectionTest, webhookLedger } from '../shared/ledgerAccess';
import { launchProperty } from '../shared/parameters';
import { pathFromParameter, rawBodyProperty, webhookPathProperty } from '../shared/webhookPaths';
import { header, readSignupBody, remoteAddress, type ExpressLikeResponse, type IncomingRequest, type ParsedBody } from '../shared/http';

/** A Buy button posts an email (and perhaps a product): 16 KB is far more than any sends. */
export const MAX_CHECKOUT_BODY_BYTES = 16 * 1024;
/** A Buy button's fields are flat; n8n cannot start a run with a value nested thousands of levels deep. */
export const MAX_CHECKOUT_FIELD_DEPTH = 8;

type RefusedBody = Extract<ParsedBody, { ok: false }> & { field?: string };

/** How deep a value nests (walked without recursion: a hostile body can nest thousands of levels), up to `limit + 1`. */
function depthOf(value: unknown, limit: number): number {
	let deepest = 0;
	const stack: Array<[unknown, number]> = [[value, 0]];
	while (stack.length > 0) {
		const [current, depth] = stack.pop()!;
		if (depth > deepest) deepest = depth;
		if (deepest > limit) return deepest;
		if (current !== null && typeof current === 'object') for (const child of Object.values(current as object)) stack.push([child, depth + 1]);
	}
	return deepest;
}

/** A field nested deeper than a Buy button ever sends: refused (400) naming the field, before any run starts. */
function tooDeep(body: Extract<ParsedBody, { ok: true }>): RefusedBody | null {
	for (const [field, value] of Object.entries(body.fields)) {
		if (depthOf(value, MAX_CHECKOUT_FIELD_DEPTH) > MAX_CHECKOUT_FIELD_DEPTH) {
			const message = `The field "${field}" is nested more than ${MAX_CHECKOUT_FIELD_DEPTH} levels deep; the checkout link takes flat fields such as {"email": "ada@example.com"}`;
			return { ok: false, status: 400, reason: 'malformed', message, contentType: body.contentType, raw: body.raw, field };
		}
	}
	return null;
}

/**
 * The checkout link: where a Buy button posts the buyer's email. It stands in for n8n's Webhook node,
 * whose body reader runs before any node: a body over N8N_PAYLOAD_SIZE_MAX got n8n's own 500 "There
 * was a problem executing the workflow", and nothing was recorded. This trigger reads the body itself
 * (the capture trigger's reader: size cap, encodings, charsets, JSON / form / multipart), answers a
 * body it cannot take with a 4xx naming the limit or the problem, records it beside refused signups,
 * and otherwise hands the workflow the item n8n's Webhook node would (`body`, `query`, `headers`), to
 * be answered by a Respond to Webhook node.
 */
export class CheckoutLinkTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Checkout Link Trigger',
		name: 'checkoutLinkTrigger',
		icon: { light: 'file:checkoutLink.svg', dark: 'file:checkoutLink.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: "Your Buy button's address: takes the buyer's email and starts the checkout; a body it cannot take is answered 4xx and recorded",
		defaults: { name: 'Checkout link' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'waitlistLedgerApi', required: false, testedBy: 'waitlistLedgerConnectionTest', displayOptions: { hide: { storage: ['default'] } } }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'responseNode', ...pathFromParameter(), isFullPath: true }],
		properties: [
			{
				displayName: 'Answer the buyer with a Respond to Webhook node (the redirect to the checkout page, or the refusal). A body over 16 KB, unreadable or of another content type is answered here (413 / 400 / 415) and recorded with refused signups.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			webhookPathProperty('checkout', 'The address your Buy button posts to: <your n8n>/webhook/<path>, e.g. "checkout"'),
			{ ...launchProperty, description: 'The launch whose refused requests list records a body this link could not take, e.g. "spring-course-2027"; leave "default" if you run only one.' },
			...storageProperties(1),
			rawBodyProperty,
		],
	};

	methods = { credentialTest: { waitlistLedgerConnectionTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const req = this.getRequestObject() as unknown as IncomingRequest & { query?: IDataObject };
		const read = await readSignupBody(req, MAX_CHECKOUT_BODY_BYTES);
		const body: Extract<ParsedBody, { ok: true }> | RefusedBody = read.ok ? (tooDeep(read) ?? read) : read;
		if (body.ok) return { workflowData: [[{ json: { headers: req.headers as IDataObject, query: req.query ?? {}, body: withRepeatedFields(body) } }]] };
		await recordRefused(this, req, body);
		const res = this.getResponseObject() as unknown as ExpressLikeResponse;
		const error = body.reason === 'too_large' ? `${body.message}: the checkout link takes the buyer's email, at most ${MAX_CHECKOUT_BODY_BYTES} bytes.` : body.message;
		res.status(body.status).json({ error, field: body.field ?? 'body', ...(body.reason === 'too_large' ? { limit: MAX_CHECKOUT_BODY_BYTES } : {}) });
		return { noWebhookResponse: true };
	}
}

/**
 * The fields as n8n's Webhook node handed them on: a form field sent more than once is the list of
 * its values (the capture's reader keeps the last), so `email=a&email=b` is refused naming the email
 * instead of quietly taking one of the two addresses.
 */
function withRepeatedFields(body: Extract<ParsedBody, { ok: true }>): IDataObject {
	const fields = { ...body.fields } as IDataObject;
	if (body.contentType !== 'application/x-www-form-urlencoded') return fields;
	const params = new URLSearchParams(body.raw);
	for (const key of new Set(params.keys())) {
		const values = params.getAll(key);
		if (values.length > 1 && key !== '__proto__') fields[key] = values;
	}
	return fields;
}

/** Kept where refused signups are (a prefix, size and hash; capped per address). A ledger that is down does not change the answer. */
async function recordRefused(ctx: IWebhookFunctions, req: IncomingRequest, body: RefusedBody): Promise<void> {
	try {
		const ledger = await webhookLedger(ctx, 'The refused checkout request could not be recorded. Check the Waitlist Ledger credential.');
		await ledger.capture.recordRejection({
			launch: String(ctx.getNodeParameter('launch', 'default')),
			status: body.status,
			reason: body.reason,
			errors: [{ field: body.field ?? 'body', reason: `checkout link: ${body.message}` }],
			contentType: body.contentType,
			payload: body.raw,
			remoteAddress: remoteAddress(req),
			userAgent: header(req, 'user-agent') ?? null,
		});
	} catch (error) {
		ctx.logger.warn(`Checkout link: a refused request was not recorded: ${(error as Error).message}`);
	}
}
