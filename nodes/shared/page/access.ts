import { createHash, timingSafeEqual } from 'node:crypto';

import type { INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import { renderMessagePage, type RenderedPage } from './layout';

/**
 * Who may open a page the pack serves from n8n (a dashboard, a review desk): whoever presents the
 * credential the user selected on the node — n8n's own Basic Auth or Header Auth credential. There
 * is no "open" choice: a page without a selected credential answers 403 with what to set, and
 * never its data.
 */

export type PageAuthentication = 'basicAuth' | 'headerAuth';

/** The node's "Authentication" parameter; Basic Auth by default, so a browser asks for a password. */
export function pageAuthenticationProperty(nodeDisplayName: string): INodeProperties {
	return {
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		options: [
			{
				name: 'Basic Auth',
				value: 'basicAuth',
				description: 'A user name and password; the browser asks for them (Prometheus: basic_auth)',
			},
			{
				name: 'Header Auth',
				value: 'headerAuth',
				description: 'A secret header, e.g. "Authorization: Bearer …", for tools such as Grafana or Prometheus',
			},
		],
		default: 'basicAuth',
		description: `Who may open these pages. Select a credential below; without one, ${nodeDisplayName} shows only a page saying what to set.`,
	};
}

/*
 * A node using this lists n8n's own credentials literally in its description (n8n's lint reads them
 * from there), one per choice and required, so the editor asks for one:
 *   { name: 'httpBasicAuth', required: true, displayOptions: { show: { authentication: ['basicAuth'] } } },
 *   { name: 'httpHeaderAuth', required: true, displayOptions: { show: { authentication: ['headerAuth'] } } },
 */

const CREDENTIAL_TYPE: Record<PageAuthentication, string> = { basicAuth: 'httpBasicAuth', headerAuth: 'httpHeaderAuth' };
const CREDENTIAL_NAME: Record<PageAuthentication, string> = { basicAuth: 'Basic Auth', headerAuth: 'Header Auth' };

export type PageAccess =
	| { ok: true; /** The Basic Auth user name signed in with ('' for Header Auth). */ user: string }
	| {
			ok: false;
			/** 401: the visitor did not present the credential; 403: the node has no usable credential; 429: too many wrong ones, 503: the ledger that counts them is unreachable (throttle.ts). */
			status: 401 | 403 | 429 | 503;
			/** Whether a (wrong) credential was presented, i.e. a failed attempt to count; false for a bare request. */
			presented?: boolean;
			/** The user name presented with it (Basic Auth). */
			user?: string;
			/** For pages; machine clients (JSON, metrics, CSV) get `message` as text. */
			page: RenderedPage;
			message: string;
			headers: Record<string, string>;
	  };

interface RequestLike {
	headers: Record<string, string | string[] | undefined>;
}

function header(req: RequestLike, name: string): string | undefined {
	const value = req.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/** Equal without telling how much of it matched (compares digests of equal length). */
export function sameSecret(given: string, expected: string): boolean {
	const a = createHash('sha256').update(given, 'utf8').digest();
	const b = createHash('sha256').update(expected, 'utf8').digest();
	return timingSafeEqual(a, b) && given.length === expected.length;
}

/** user:password from an "Authorization: Basic …" header, or null. */
export function basicCredentials(authorization: string | undefined): { user: string; password: string } | null {
	const match = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(authorization ?? '');
	if (!match) return null;
	const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return null;
	return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/**
 * Checks the request against the credential selected on the node. `realm` names what the browser's
 * password prompt is for; `nodeName` is the node a user must open to select a credential.
 */
export async function checkPageAccess(ctx: IWebhookFunctions, options: { realm: string; nodeName: string }): Promise<PageAccess> {
	const authentication = (ctx.getNodeParameter('authentication', 'basicAuth') as PageAuthentication) === 'headerAuth' ? 'headerAuth' : 'basicAuth';
	const type = CREDENTIAL_TYPE[authentication];
	const credentialName = CREDENTIAL_NAME[authentication];
	const locked = (why: string): PageAccess => {
		const message = `${why} Open the workflow in n8n, select a ${credentialName} credential on the "${options.nodeName}" node (Authentication: ${credentialName}), and publish the workflow again.`;
		return {
			ok: false,
			status: 403,
			message,
			headers: {},
			page: renderMessagePage('This page is locked', [message, 'Nothing of the launch is shown until then.']),
		};
	};
	if (ctx.getNode().credentials?.[type] === undefined) return locked(`No ${credentialName} credential is selected, so nobody can open this page.`);
	let data: Record<string, unknown>;
	try {
		data = (await ctx.getCredentials(type)) as Record<string, unknown>;
	} catch {
		return locked(`The ${credentialName} credential selected on the node could not be read.`);
	}
	const req = ctx.getRequestObject() as unknown as RequestLike;
	if (authentication === 'basicAuth') {
		const user = text(data.user);
		const password = text(data.password);
		if (user === '' || password === '') return locked('The Basic Auth credential selected on the node has an empty user name or password.');
		const given = basicCredentials(header(req, 'authorization'));
		if (given && sameSecret(given.user, user) && sameSecret(given.password, password)) return { ok: true, user };
		const message = `Sign in with the user name and password of the Basic Auth credential selected on the "${options.nodeName}" node.`;
		return {
			ok: false,
			status: 401,
			presented: given !== null,
			user: given?.user,
			message,
			headers: { 'www-authenticate': `Basic realm="${options.realm.replace(/["\\]/g, '')}", charset="UTF-8"` },
			page: renderMessagePage('Sign in to see this page', [message]),
		};
	}
	const name = text(data.name).trim();
	const value = text(data.value);
	if (name === '' || value === '') return locked('The Header Auth credential selected on the node has an empty header name or value.');
	const given = header(req, name);
	if (given !== undefined && sameSecret(given, value)) return { ok: true, user: '' };
	const message = `Send the header of the Header Auth credential selected on the "${options.nodeName}" node (${name}: …).`;
	return { ok: false, status: 401, presented: given !== undefined, message, headers: {}, page: renderMessagePage('This page needs its secret header', [message]) };
}
