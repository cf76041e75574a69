import type { IExecuteFunctions } from 'n8n-workflow';

import { answered, send, type HttpAnswer } from './http';

/*
 * Reading back (and removing) the checklist's test records at the email platform and the CRM, with
 * the creator's own credentials: n8n's "ConvertKit API" (Kit v3, the one the signup template uses)
 * and "HubSpot Service Key" (a private app token).
 */

export const KIT_CREDENTIAL = 'convertKitApi';
export const HUBSPOT_CREDENTIAL = 'hubspotAppToken';
const KIT_API = 'https://api.convertkit.com/v3';
const HUBSPOT_API = 'https://api.hubapi.com/crm/v3/objects/contacts';

/** What a vendor holds for one email: found or not, its id, and the fields the checklist compares. */
export interface VendorRecord {
	found: boolean;
	id: string | null;
	/** Field name → value; a field the vendor does not know is absent (not ''). */
	fields: Record<string, string | null>;
	answer: HttpAnswer;
}

const asText = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Kit v3 GET /subscribers?email_address=…: the subscriber's custom fields (only fields Kit has are listed). */
export async function readKitSubscriber(ctx: IExecuteFunctions, apiSecret: string, email: string): Promise<VendorRecord> {
	const answer = await send(ctx, { method: 'GET', url: `${KIT_API}/subscribers`, qs: { api_secret: apiSecret, email_address: email } });
	const subscriber = ((answer.body as { subscribers?: Array<{ id: number; fields?: Record<string, unknown> }> } | null)?.subscribers ?? [])[0];
	if (answer.status !== 200 || !subscriber) return { found: false, id: null, fields: {}, answer };
	const fields = Object.fromEntries(Object.entries(subscriber.fields ?? {}).map(([k, v]) => [k, asText(v)]));
	return { found: true, id: String(subscriber.id), fields, answer: { ...answer, body: { subscribers: [{ id: subscriber.id, fields }] } } };
}

/** HubSpot GET /crm/v3/objects/contacts/{email}?idProperty=email: the asked properties it has. */
export async function readHubspotContact(ctx: IExecuteFunctions, token: string, email: string, properties: string[]): Promise<VendorRecord> {
	const answer = await send(ctx, {
		method: 'GET',
		url: `${HUBSPOT_API}/${encodeURIComponent(email)}`,
		qs: { idProperty: 'email', properties: properties.join(',') },
		headers: { authorization: `Bearer ${token}` },
	});
	const body = answer.body as { id?: string; properties?: Record<string, unknown> } | null;
	if (answer.status !== 200 || !body?.id) return { found: false, id: null, fields: {}, answer };
	const fields = Object.fromEntries(Object.entries(body.properties ?? {}).filter(([k]) => properties.includes(k)).map(([k, v]) => [k, asText(v)]));
	return { found: true, id: String(body.id), fields, answer };
}

/** Kit v3 has no delete: PUT /unsubscribe is as far as its API goes. */
export async function unsubscribeKit(ctx: IExecuteFunctions, apiSecret: string, email: string): Promise<HttpAnswer> {
	return send(ctx, { method: 'PUT', url: `${KIT_API}/unsubscribe`, body: { api_secret: apiSecret, email } });
}

/** HubSpot archives (deletes) a contact by id; 204, or 404 when it is already gone. */
export async function deleteHubspotContact(ctx: IExecuteFunctions, token: string, id: string): Promise<HttpAnswer> {
	return send(ctx, { method: 'DELETE', url: `${HUBSPOT_API}/${encodeURIComponent(id)}`, headers: { authorization: `Bearer ${token}` } });
}

/** Why a vendor read failed, for a fix text. */
export function readProblem(vendor: 'Kit' | 'HubSpot', answer: HttpAnswer): string {
	if (answer.status === 401 || answer.status === 403) {
		return vendor === 'Kit'
			? `Kit ${answer.status === 401 ? 'refused the API secret (401)' : 'answered 403'}: select a "ConvertKit API" credential with your API Secret (Kit → Settings → Developer → API Secret) on this node`
			: `HubSpot ${answer.status === 401 ? 'refused the token (401)' : 'answered 403'}: select a "HubSpot Service Key" credential whose private app has the crm.objects.contacts.read and .write scopes`;
	}
	return `${vendor} ${answered(answer)}`;
}

/** Kit v3 GET /tags: every tag of the account, by name and id. */
export async function listKitTags(ctx: IExecuteFunctions, apiSecret: string): Promise<{ tags: Array<{ id: number; name: string }>; answer: HttpAnswer }> {
	const answer = await send(ctx, { method: 'GET', url: `${KIT_API}/tags`, qs: { api_secret: apiSecret } });
	const tags = answer.status === 200 ? ((answer.body as { tags?: Array<{ id: number; name: string }> } | null)?.tags ?? []) : [];
	return { tags: tags.filter((t) => typeof t?.name === 'string').map((t) => ({ id: Number(t.id), name: t.name })), answer: { ...answer, body: { tags: tags.length } } };
}

/** Kit v3 POST /tags/{id}/subscribe: tags the address (Kit adds the subscriber if it is new). */
export async function tagKitSubscriber(ctx: IExecuteFunctions, apiSecret: string, tagId: number, email: string): Promise<HttpAnswer> {
	return send(ctx, { method: 'POST', url: `${KIT_API}/tags/${tagId}/subscribe`, body: { api_secret: apiSecret, email } });
}

/** Kit v3 GET /subscribers/{id}/tags: the names of the tags the subscriber has. */
export async function readKitSubscriberTags(ctx: IExecuteFunctions, apiSecret: string, subscriberId: string): Promise<{ names: string[]; answer: HttpAnswer }> {
	const answer = await send(ctx, { method: 'GET', url: `${KIT_API}/subscribers/${encodeURIComponent(subscriberId)}/tags`, qs: { api_secret: apiSecret } });
	const tags = answer.status === 200 ? ((answer.body as { tags?: Array<{ name: string }> } | null)?.tags ?? []) : [];
	return { names: tags.map((t) => String(t.name)), answer };
}
