/**
 * Fakes of third-party vendor APIs (Kit, HubSpot, a course-delivery webhook; Stripe, Kajabi, Discord,
 * Lemon Squeezy and Thinkific for the checkout templates; MailerLite, Pipedrive and Teachable for the
 * vendor pieces in workflows/vendors/) INSIDE a real n8n
 * process. The e2e harness starts n8n with `NODE_OPTIONS=--require <this file>`; nock then answers
 * every request n8n's own vendor nodes send to those hosts, the way the vendor documents, and
 * appends each request as one JSON line to WL_FAKES_LOG so the test can read what the vendor got.
 *
 * Environment (set by startE2eN8n({ vendorFakes: {...} })):
 *   WL_FAKES_LOG          file to append requests to (required)
 *   WL_FAKES_FAIL_RATE    0..1: share of calls answered with a failure (500, 429 + Retry-After, timeout,
 *                         in turn; a failing fake's first three calls fail, one of each kind)
 *   WL_FAKES_DOWN         comma list of fakes that refuse every call for now ("delivery")
 *   WL_FAKES_DOWN_FILE    a file: while it exists, the fakes in WL_FAKES_DOWN are down
 *   WL_FAKES_FAIL_FAKES   comma list of fakes the fail rate applies to (all by default), e.g. "kit,hubspot"
 *   WL_FAKES_FAIL_METHODS comma list of HTTP methods the fail rate applies to (all by default), e.g.
 *                         "POST" to fail writes but let a paginated list fetch through
 *   WL_FAKES_FORBIDDEN    comma list of fakes that answer 403 to everything (a key without permission)
 *   WL_FAKES_FORBIDDEN_FILE a file: while it exists, the fakes in WL_FAKES_FORBIDDEN answer 403
 *   WL_FAKES_KIT_FIELDS_FILE a file: while it exists, it lists (comma-separated) the only custom fields
 *                         the Kit account has; Kit drops other fields from a subscribe, as Kit does
 *   WL_FAKES_KIT_TAGS     comma list of the tags the Kit account has from the start (v4 can add more)
 *
 * Plain CommonJS on purpose: it loads before n8n, without tsx.
 */
'use strict';

const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

// nock 15 is an ES module built on @mswjs/interceptors (it patches node:http AND fetch, which n8n's
// HTTP stack uses); require() of it gives the module namespace, so the function is its default.
const nockModule = require(join(__dirname, '..', '..', 'node_modules', 'nock'));
const nock = nockModule.default || nockModule;

const LOG = process.env.WL_FAKES_LOG;
if (!LOG) throw new Error('vendor-fakes: WL_FAKES_LOG is not set');
const FAIL_RATE = Number(process.env.WL_FAKES_FAIL_RATE || 0);
const DOWN = new Set((process.env.WL_FAKES_DOWN || '').split(',').filter(Boolean));
const DOWN_FILE = process.env.WL_FAKES_DOWN_FILE;
const FAIL_FAKES = process.env.WL_FAKES_FAIL_FAKES ? new Set(process.env.WL_FAKES_FAIL_FAKES.split(',').map((f) => f.trim()).filter(Boolean)) : null;
const FAIL_METHODS = new Set((process.env.WL_FAKES_FAIL_METHODS || 'GET,POST,PUT,PATCH,DELETE').split(',').map((m) => m.trim().toUpperCase()).filter(Boolean));

// A deterministic sequence, so a failing run can be repeated.
let seed = Number(process.env.WL_FAKES_SEED || 42);
function random() {
	seed = (seed * 1103515245 + 12345) % 2147483648;
	return seed / 2147483648;
}

function isDown(fake) {
	return DOWN.has(fake) && (!DOWN_FILE || existsSync(DOWN_FILE));
}

const FORBIDDEN = new Set((process.env.WL_FAKES_FORBIDDEN || '').split(',').filter(Boolean));
const FORBIDDEN_FILE = process.env.WL_FAKES_FORBIDDEN_FILE;
function isForbidden(fake) {
	return FORBIDDEN.has(fake) && (!FORBIDDEN_FILE || existsSync(FORBIDDEN_FILE));
}

/** The custom fields a Kit account has, when a test says (WL_FAKES_KIT_FIELDS_FILE); otherwise every field is kept. */
function kitKnownFields(fields) {
	const file = process.env.WL_FAKES_KIT_FIELDS_FILE;
	if (!file || !existsSync(file)) return fields;
	const known = new Set(readFileSync(file, 'utf8').split(',').map((f) => f.trim()).filter(Boolean));
	return Object.fromEntries(Object.entries(fields).filter(([key]) => known.has(key)));
}

function record(entry) {
	appendFileSync(LOG, `${JSON.stringify({ at: Date.now(), ...entry })}\n`);
}

// Injected failures take turns per fake (500, 429, timeout, …), and a failing fake's first three
// matching calls fail (one of each kind) before the rate applies: every kind occurs however few calls
// a batching client makes (ten HubSpot batch calls carry 1,000 contacts).
const FAILURE_KINDS = [
	{ status: 500, body: { error: 'internal error' } },
	{ status: 429, body: { error: 'rate limited' }, headers: { 'Retry-After': '1' } },
	{ timeout: true },
];
const failuresSoFar = new Map();

/** Decides this call's fate: undefined = answer normally, or a failure to send. */
function failure(fake, method) {
	if (isDown(fake)) return { status: 503, body: { error: `${fake} is down` } };
	if (isForbidden(fake)) return { status: 403, body: { error: `${fake}: this API key has no permission for that` } };
	if (FAIL_RATE <= 0 || (FAIL_FAKES && !FAIL_FAKES.has(fake)) || !FAIL_METHODS.has(method)) return undefined;
	const n = failuresSoFar.get(fake) ?? 0;
	if (n >= FAILURE_KINDS.length && random() >= FAIL_RATE) return undefined;
	failuresSoFar.set(fake, n + 1);
	return FAILURE_KINDS[n % FAILURE_KINDS.length];
}

function parseBody(body) {
	if (typeof body !== 'string' || body === '') return body || undefined;
	try {
		return JSON.parse(body);
	} catch {
		return body;
	}
}

/**
 * Registers persistent interceptors for one host: `handle(request)` returns [status, body] for a
 * successful call, optionally with a third element logged with it (e.g. which records an upsert
 * created, so a test can count records per email the way the vendor stores them). nock 15 hands a reply function one fetch `Request` (a 2-parameter function would
 * be taken as callback style), and wants [status, body, headers] back; a rejection is a network error.
 */
function fake(name, origin, handle) {
	for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
		nock(origin)
			.persist()
			.intercept(() => true, method)
			.reply(async (incoming) => {
				const url = new URL(incoming.url);
				const text = await incoming.text();
				const headers = {};
				incoming.headers.forEach((value, key) => (headers[key.toLowerCase()] = value));
				const request = { fake: name, method: incoming.method, path: url.pathname + url.search, body: parseBody(text), headers };
				const fate = failure(name, incoming.method.toUpperCase());
				if (fate && fate.timeout) {
					record({ ...request, outcome: 'timeout' });
					throw Object.assign(new Error('ETIMEDOUT (vendor fake)'), { code: 'ETIMEDOUT' });
				}
				if (fate) {
					record({ ...request, outcome: 'failed', status: fate.status });
					return [fate.status, fate.body, fate.headers || {}];
				}
				const [status, answer, logged] = handle(request);
				record({ ...request, outcome: 'ok', status, ...(logged || {}) });
				return [status, answer];
			});
	}
}

// ── Kit (ConvertKit) v3, as n8n's ConvertKit node calls it, and v4 bulk ──
// Kit keeps one subscriber per email address (case-insensitive): a second subscribe updates it.
const kitSubscribers = new Map();
const kitTags = new Map(); // lowercased name → { id, name, created_at }
for (const name of (process.env.WL_FAKES_KIT_TAGS || '').split(',').map((t) => t.trim()).filter(Boolean)) {
	kitTags.set(name.toLowerCase(), { id: 300 + kitTags.size, name, created_at: new Date().toISOString() });
}
function kitSubscriber(email, fields, firstName) {
	const key = String(email).toLowerCase();
	const existing = kitSubscribers.get(key);
	const subscriber = existing || { id: 1000 + kitSubscribers.size, email_address: email, first_name: null, state: 'active', created_at: new Date().toISOString(), fields: {} };
	Object.assign(subscriber.fields, kitKnownFields(fields || {}));
	if (firstName) subscriber.first_name = firstName;
	kitSubscribers.set(key, subscriber);
	return Object.assign(subscriber, { created: !existing });
}
const upserted = (records) => ({ upserts: records.map((r) => ({ email: String(r.email).toLowerCase(), id: r.id, created: r.created })) });
fake('kit', 'https://api.convertkit.com', ({ method, path, body }) => {
	const subscribe = /^\/v3\/forms\/(\d+)\/subscribe/.exec(path);
	if (method === 'POST' && subscribe) {
		if (!body || !body.email) return [422, { error: 'Email address is required' }];
		const subscriber = kitSubscriber(body.email, body.fields, body.first_name);
		return [
			200,
			{ subscription: { id: 5000 + subscriber.id, state: 'inactive', subscribable_id: Number(subscribe[1]), subscriber: { id: subscriber.id } } },
			upserted([{ email: body.email, id: subscriber.id, created: subscriber.created }]),
		];
	}
	const tagSubscribe = /^\/v3\/tags\/(\d+)\/subscribe/.exec(path);
	if (method === 'POST' && tagSubscribe) {
		if (!body || !body.email) return [422, { error: 'Email address is required' }];
		const subscriber = kitSubscriber(body.email);
		// The subscriber keeps the tag when the account has it (checkout templates tag by a made-up id).
		const tag = [...kitTags.values()].find((t) => t.id === Number(tagSubscribe[1]));
		if (tag) subscriber.tags = (subscriber.tags || []).filter((name) => name !== tag.name).concat([tag.name]);
		return [200, { subscription: { id: 7000 + subscriber.id, state: 'active', subscribable_id: Number(tagSubscribe[1]), subscribable_type: 'tag', subscriber: { id: subscriber.id } } }];
	}
	// v3 tag list and a subscriber's tags (the Launch Checklist's tag vocabulary step).
	if (method === 'GET' && /^\/v3\/tags(\?|$)/.test(path)) return [200, { tags: [...kitTags.values()].map((t) => ({ id: t.id, name: t.name, created_at: t.created_at })) }];
	const subscriberTags = /^\/v3\/subscribers\/(\d+)\/tags(\?|$)/.exec(path);
	if (method === 'GET' && subscriberTags) {
		const s = [...kitSubscribers.values()].find((x) => x.id === Number(subscriberTags[1]));
		if (!s) return [404, { error: 'Not Found', message: 'Subscriber not found' }];
		return [200, { tags: (s.tags || []).map((name) => kitTags.get(name.toLowerCase())).filter(Boolean).map((t) => ({ id: t.id, name: t.name, created_at: t.created_at })) }];
	}
	// v3 look-up by email (the Launch Checklist reads its test subscribers back) and unsubscribe (Kit's
	// API has no delete; the subscriber stays, cancelled).
	if (method === 'GET' && path.startsWith('/v3/subscribers?')) {
		const email = String(new URL(path, 'https://api.convertkit.com').searchParams.get('email_address') || '').toLowerCase();
		const s = kitSubscribers.get(email);
		return [200, { total_subscribers: s ? 1 : 0, page: 1, total_pages: 1, subscribers: s ? [{ id: s.id, first_name: s.first_name, email_address: s.email_address, state: s.state, created_at: s.created_at, fields: s.fields }] : [] }];
	}
	if (method === 'PUT' && path.startsWith('/v3/unsubscribe')) {
		const s = body && body.email && kitSubscribers.get(String(body.email).toLowerCase());
		if (!s) return [404, { error: 'Not Found', message: 'Subscriber not found' }];
		s.state = 'cancelled';
		return [200, { subscriber: { id: s.id, first_name: s.first_name, email_address: s.email_address, state: s.state, created_at: s.created_at } }];
	}
	return [404, { error: 'Not Found' }];
});
fake('kit', 'https://api.kit.com', ({ method, path, body }) => {
	if (method === 'POST' && path.startsWith('/v4/bulk/subscribers')) {
		const list = (body && body.subscribers) || [];
		if (list.length > 100) return [422, { errors: ['Send at most 100 subscribers per synchronous bulk request'] }];
		const failures = list.filter((s) => !s || !s.email_address).map((s) => ({ subscriber: s, errors: ['Email address is invalid'] }));
		const done = list.filter((s) => s && s.email_address).map((s) => ({ email: s.email_address, ...kitSubscriber(s.email_address, s.fields, s.first_name) }));
		return [200, { subscribers: done.map((s) => ({ id: s.id, email_address: s.email_address, first_name: s.first_name, state: s.state, created_at: s.created_at })), failures }, upserted(done)];
	}
	if (method === 'POST' && path.startsWith('/v4/subscribers')) {
		if (!body || !body.email_address) return [422, { errors: ['Email address is invalid'] }];
		const subscriber = kitSubscriber(body.email_address, body.fields, body.first_name);
		return [200, { subscriber: { id: subscriber.id, email_address: subscriber.email_address, fields: subscriber.fields } }, upserted([{ email: body.email_address, id: subscriber.id, created: subscriber.created }])];
	}
	// v4 tags: POST /v4/tags answers the tag of that name (200) or creates it (201); tag and untag by email.
	if (method === 'POST' && path === '/v4/tags') {
		if (!body || !body.name) return [422, { errors: ["Name can't be blank"] }];
		const existing = kitTags.get(String(body.name).toLowerCase());
		const tag = existing || { id: 300 + kitTags.size, name: body.name, created_at: new Date().toISOString() };
		kitTags.set(String(body.name).toLowerCase(), tag);
		return [existing ? 200 : 201, { tag }];
	}
	const tagging = /^\/v4\/tags\/(\d+)\/subscribers$/.exec(path);
	if (tagging && (method === 'POST' || method === 'DELETE')) {
		const tag = [...kitTags.values()].find((t) => t.id === Number(tagging[1]));
		const subscriber = body && body.email_address && kitSubscribers.get(String(body.email_address).toLowerCase());
		if (!tag || !subscriber) return [404, { errors: ['Not Found'] }];
		subscriber.tags = (subscriber.tags || []).filter((name) => name !== tag.name).concat(method === 'POST' ? [tag.name] : []);
		return method === 'POST' ? [201, { subscriber: { id: subscriber.id, email_address: subscriber.email_address, tagged_at: new Date().toISOString() } }] : [204, ''];
	}
	// v4 list, cursor-paginated: ?per_page=…&after=<end_cursor of the previous page>
	if (method === 'GET' && path.startsWith('/v4/subscribers')) {
		const query = new URL(path, 'https://api.kit.com').searchParams;
		const perPage = Math.min(Number(query.get('per_page') || 500), 1000);
		const start = query.get('after') ? Number(Buffer.from(query.get('after'), 'base64').toString()) : 0;
		const all = [...kitSubscribers.values()];
		const page = all.slice(start, start + perPage);
		const end = start + page.length;
		const cursor = (n) => Buffer.from(String(n)).toString('base64');
		return [
			200,
			{
				subscribers: page.map((s) => ({ id: s.id, first_name: s.first_name, email_address: s.email_address, state: s.state, created_at: s.created_at, fields: s.fields })),
				pagination: { has_previous_page: start > 0, has_next_page: end < all.length, start_cursor: cursor(start), end_cursor: cursor(end), per_page: perPage },
			},
		];
	}
	return [404, { errors: ['Not Found'] }];
});

// ── HubSpot: v1 createOrUpdate (n8n's HubSpot node) and v3 batch upsert ──
const hubspotContacts = new Map();
function hubspotUpsert(email, properties) {
	const key = String(email).toLowerCase();
	const existing = hubspotContacts.get(key);
	const contact = existing || { vid: 9000 + hubspotContacts.size, properties: {} };
	Object.assign(contact.properties, properties || {}, { email });
	hubspotContacts.set(key, contact);
	return { contact, isNew: !existing };
}
const hubspotUpserted = (list) => ({ upserts: list.map(({ email, contact, isNew }) => ({ email: String(email).toLowerCase(), id: contact.vid, created: isNew })) });
fake('hubspot', 'https://api.hubapi.com', ({ method, path, body }) => {
	const v1 = /^\/contacts\/v1\/contact\/createOrUpdate\/email\/([^/?]+)/.exec(path);
	if (method === 'POST' && v1) {
		const properties = Object.fromEntries(((body && body.properties) || []).map((p) => [p.property, p.value]));
		const email = decodeURIComponent(v1[1]);
		const { contact, isNew } = hubspotUpsert(email, properties);
		return [200, { vid: contact.vid, isNew }, hubspotUpserted([{ email, contact, isNew }])];
	}
	if (method === 'POST' && path.startsWith('/crm/v3/objects/contacts/batch/upsert')) {
		const inputs = (body && body.inputs) || [];
		if (inputs.length > 100) return [400, { status: 'error', message: 'Batch size is limited to 100' }];
		const done = inputs.map((input) => ({ email: input.id, ...hubspotUpsert(input.id, input.properties) }));
		const results = done.map(({ contact, isNew }) => ({ id: String(contact.vid), properties: contact.properties, new: isNew }));
		return [200, { status: 'COMPLETE', results }, hubspotUpserted(done)];
	}
	// v3 read one contact by email (?idProperty=email) with the asked properties; archive (delete) by id.
	const one = /^\/crm\/v3\/objects\/contacts\/([^/?]+)/.exec(path);
	if (method === 'GET' && one) {
		const query = new URL(path, 'https://api.hubapi.com').searchParams;
		const key = decodeURIComponent(one[1]).toLowerCase();
		const contact = query.get('idProperty') === 'email' ? hubspotContacts.get(key) : [...hubspotContacts.values()].find((c) => String(c.vid) === key);
		if (!contact) return [404, { status: 'error', message: 'Object not found.', category: 'OBJECT_NOT_FOUND' }];
		const wanted = String(query.get('properties') || 'email').split(',');
		return [200, { id: String(contact.vid), properties: Object.fromEntries(wanted.filter((p) => p in contact.properties).map((p) => [p, contact.properties[p]])), archived: false }];
	}
	if (method === 'DELETE' && one) {
		const entry = [...hubspotContacts.entries()].find(([, c]) => String(c.vid) === decodeURIComponent(one[1]));
		if (!entry) return [404, { status: 'error', message: 'Object not found.' }];
		hubspotContacts.delete(entry[0]);
		return [204, ''];
	}
	// v3 list, cursor-paginated: ?limit=…&after=<paging.next.after of the previous page>
	if (method === 'GET' && path.startsWith('/crm/v3/objects/contacts')) {
		const query = new URL(path, 'https://api.hubapi.com').searchParams;
		const limit = Math.min(Number(query.get('limit') || 10), 100);
		const start = Number(query.get('after') || 0);
		const all = [...hubspotContacts.values()];
		const page = all.slice(start, start + limit);
		const end = start + page.length;
		const results = page.map((c) => ({ id: String(c.vid), properties: { email: c.properties.email, firstname: c.properties.firstname || null, hs_object_id: String(c.vid) }, archived: false }));
		return [200, { results, ...(end < all.length ? { paging: { next: { after: String(end), link: `https://api.hubapi.com/crm/v3/objects/contacts?after=${end}` } } } : {}) }];
	}
	return [404, { status: 'error', message: 'Not found' }];
});

// ── A course-delivery webhook (Kajabi-style activation URL / generic HTTP) ──
fake('delivery', 'https://delivery.example.test', ({ method, path }) => {
	if (method === 'POST') return [200, { ok: true, path }];
	return [405, { error: 'method not allowed' }];
});

// ── Checkout and course delivery for the purchase templates (checkout-to-access*.json) ──

/** A form-encoded body (Stripe's API) as an object; JSON bodies are already parsed by fake(). */
function formBody(body) {
	return typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : body || {};
}

// Stripe: create a Checkout Session (POST /v1/checkout/sessions, form-encoded), as Stripe documents it.
let stripeSessions = 0;
fake('stripe', 'https://api.stripe.com', ({ method, path, body, headers }) => {
	if (!String(headers.authorization || '').startsWith('Bearer sk_')) return [401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } }];
	if (method === 'POST' && path.startsWith('/v1/checkout/sessions')) {
		const form = formBody(body);
		if (!form.success_url) return [400, { error: { type: 'invalid_request_error', param: 'success_url', message: 'Missing required param: success_url.' } }];
		// A live secret key (sk_live_…) makes a live-mode session, as Stripe does.
		const live = String(headers.authorization).startsWith('Bearer sk_live_');
		const id = `cs_${live ? 'live' : 'test'}_${String(++stripeSessions).padStart(6, '0')}`;
		const metadata = Object.fromEntries(Object.entries(form).filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
		return [200, { id, object: 'checkout.session', livemode: live, url: `https://checkout.stripe.com/c/pay/${id}`, mode: form.mode, client_reference_id: form.client_reference_id || null, customer_email: form.customer_email || null, metadata, payment_status: 'unpaid', status: 'open' }];
	}
	// The charges list the reconciliation template pages through; nothing is charged through this fake,
	// so it is the empty page Stripe answers before a launch's first sale.
	if (method === 'GET' && path.startsWith('/v1/charges')) return [200, { object: 'list', data: [], has_more: false, url: '/v1/charges' }];
	return [404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } }];
});

// Kajabi: an offer's activation / deactivation URL (POST name, email, external_user_id).
fake('kajabi', 'https://app.kajabi.com', ({ method, path, body }) => {
	if (method !== 'POST' || !/\/(activate|deactivate)$/.test(path)) return [404, { error: 'Not Found' }];
	if (!body || !body.email) return [422, { error: 'email is required' }];
	return [200, { status: 'ok' }];
});

// Discord: add / remove a guild member's role (PUT / DELETE /api/v10/guilds/:guild/members/:user/roles/:role) → 204.
fake('discord', 'https://discord.com', ({ method, path, headers }) => {
	if (!String(headers.authorization || '').startsWith('Bot ')) return [401, { message: '401: Unauthorized', code: 0 }];
	if ((method === 'PUT' || method === 'DELETE') && /^\/api\/v10\/guilds\/[^/]+\/members\/[^/]+\/roles\/[^/?]+/.test(path)) return [204, ''];
	return [404, { message: 'Unknown Endpoint', code: 0 }];
});

// Lemon Squeezy: create a checkout (POST /v1/checkouts, JSON:API) with custom data.
let lemonCheckouts = 0;
fake('lemonsqueezy', 'https://api.lemonsqueezy.com', ({ method, path, body }) => {
	if (method === 'POST' && path.startsWith('/v1/checkouts')) {
		const attributes = (body && body.data && body.data.attributes) || {};
		const id = `ls-${++lemonCheckouts}`;
		return [201, { jsonapi: { version: '1.0' }, data: { type: 'checkouts', id, attributes: { ...attributes, url: `https://store.lemonsqueezy.com/checkout/custom/${id}` } } }];
	}
	return [404, { errors: [{ status: '404', title: 'Not Found' }] }];
});

// Thinkific: users (find by email, create) and enrollments (create, find, expire), public API v1.
const thinkificUsers = new Map();
const thinkificEnrollments = new Map();
fake('thinkific', 'https://api.thinkific.com', ({ method, path, body }) => {
	const url = new URL(`https://api.thinkific.com${path}`);
	const route = url.pathname.replace(/^\/api\/public\/v1/, '');
	const page = (items) => [200, { items, meta: { pagination: { current_page: 1, total_items: items.length, total_pages: 1 } } }];
	if (method === 'GET' && route === '/users') {
		const email = String(url.searchParams.get('query[email]') || '').toLowerCase();
		return page(email && thinkificUsers.has(email) ? [thinkificUsers.get(email)] : []);
	}
	if (method === 'POST' && route === '/users') {
		const email = String((body && body.email) || '').toLowerCase();
		if (!email) return [422, { errors: { email: ['can\'t be blank'] } }];
		if (thinkificUsers.has(email)) return [422, { errors: { email: ['has already been taken'] } }];
		const user = { id: 100 + thinkificUsers.size, email, first_name: body.first_name || '', last_name: body.last_name || '' };
		thinkificUsers.set(email, user);
		return [201, user];
	}
	if (method === 'POST' && route === '/enrollments') {
		const key = `${body && body.user_id}:${body && body.course_id}`;
		const enrollment = { id: 500 + thinkificEnrollments.size, user_id: Number(body.user_id), course_id: Number(body.course_id), activated_at: body.activated_at || null, expiry_date: body.expiry_date || null };
		thinkificEnrollments.set(key, enrollment);
		return [201, enrollment];
	}
	if (method === 'GET' && route === '/enrollments') {
		const key = `${url.searchParams.get('query[user_id]')}:${url.searchParams.get('query[course_id]')}`;
		return page(thinkificEnrollments.has(key) ? [thinkificEnrollments.get(key)] : []);
	}
	const update = /^\/enrollments\/(\d+)$/.exec(route);
	if (method === 'PUT' && update) {
		const enrollment = [...thinkificEnrollments.values()].find((e) => e.id === Number(update[1]));
		if (!enrollment) return [404, { error: 'Record not found' }];
		Object.assign(enrollment, { expiry_date: body && body.expiry_date, activated_at: (body && body.activated_at) || enrollment.activated_at });
		return [204, ''];
	}
	return [404, { error: 'Not Found' }];
});

// MailerLite (connect API, as n8n's MailerLite node v2 calls it): POST /api/subscribers creates or
// updates the subscriber with that email (one per email, case-insensitive); GET lists with a cursor.
const mailerliteSubscribers = new Map();
fake('mailerlite', 'https://connect.mailerlite.com', ({ method, path, body }) => {
	const url = new URL(`https://connect.mailerlite.com${path}`);
	if (method === 'POST' && url.pathname === '/api/subscribers') {
		const email = String((body && body.email) || '');
		if (!email.includes('@')) return [422, { message: 'The email must be a valid email address.', errors: { email: ['The email must be a valid email address.'] } }];
		const key = email.toLowerCase();
		const existing = mailerliteSubscribers.get(key);
		const subscriber = existing || { id: String(9000 + mailerliteSubscribers.size), email, status: 'active', fields: {} };
		Object.assign(subscriber.fields, (body && body.fields) || {});
		mailerliteSubscribers.set(key, subscriber);
		return [existing ? 200 : 201, { data: subscriber }, upserted([{ email, id: subscriber.id, created: !existing }])];
	}
	if (method === 'GET' && url.pathname === '/api/subscribers') {
		const all = [...mailerliteSubscribers.values()];
		const limit = Number(url.searchParams.get('limit') || 25);
		const start = Number(url.searchParams.get('cursor') || 0);
		const next = start + limit < all.length ? String(start + limit) : null;
		return [200, { data: all.slice(start, start + limit), links: { next: next ? `https://connect.mailerlite.com/api/subscribers?cursor=${next}` : null }, meta: { next_cursor: next } }];
	}
	return [404, { message: 'Not found' }];
});

// Pipedrive (n8n's Pipedrive node v2): v1 person search (exact, email or phone), v2 person fields,
// create and update. Pipedrive has no upsert: a second create makes a second person, which the
// upserts log shows (keyed by email, or phone for a phone-only person).
const pipedrivePersons = new Map();
const PIPEDRIVE_FIELDS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'].map((name, i) => ({ field_code: `f${i}_${name}`, field_name: name, field_type: 'varchar' }));
const pipedriveKey = (person) => String((person.emails[0] && person.emails[0].value) || (person.phones[0] && person.phones[0].value) || person.id).toLowerCase();
function pipedriveWrite(person, body) {
	if (body.name) person.name = String(body.name);
	if (Array.isArray(body.emails)) person.emails = body.emails.filter((e) => e.value).map((e) => ({ value: e.value }));
	if (Array.isArray(body.phones)) person.phones = body.phones.filter((e) => e.value).map((e) => ({ value: e.value }));
	Object.assign(person.custom, body.custom_fields || {});
	return person;
}
fake('pipedrive', 'https://api.pipedrive.com', ({ method, path, body }) => {
	const url = new URL(`https://api.pipedrive.com${path}`);
	if (method === 'GET' && url.pathname === '/api/v2/personFields') return [200, { success: true, data: PIPEDRIVE_FIELDS, additional_data: { next_cursor: null } }];
	if (method === 'GET' && url.pathname === '/v1/persons/search') {
		const term = String(url.searchParams.get('term') || '').toLowerCase();
		const field = url.searchParams.get('fields') === 'phone' ? 'phones' : 'emails';
		const found = [...pipedrivePersons.values()].filter((p) => p[field].some((v) => String(v.value).toLowerCase() === term));
		return [200, { success: true, data: { items: found.slice(0, 1).map((item) => ({ result_score: 1, item: { id: item.id, name: item.name } })) } }];
	}
	if (method === 'POST' && url.pathname === '/api/v2/persons') {
		const person = pipedriveWrite({ id: 200 + pipedrivePersons.size, name: '', emails: [], phones: [], custom: {} }, body || {});
		pipedrivePersons.set(person.id, person);
		return [201, { success: true, data: { id: person.id, name: person.name } }, upserted([{ email: pipedriveKey(person), id: person.id, created: true }])];
	}
	const update = /^\/api\/v2\/persons\/(\d+)$/.exec(url.pathname);
	if (method === 'PATCH' && update) {
		const person = pipedrivePersons.get(Number(update[1]));
		if (!person) return [404, { success: false, error: 'Person not found' }];
		pipedriveWrite(person, body || {});
		return [200, { success: true, data: { id: person.id, name: person.name } }, upserted([{ email: pipedriveKey(person), id: person.id, created: false }])];
	}
	return [404, { success: false, error: 'Not found' }];
});

// Teachable Admin API v1: users (find by email, create), enroll / unenroll (a set: repeats change nothing).
const teachableUsers = new Map();
const teachableEnrollments = new Set();
fake('teachable', 'https://developers.teachable.com', ({ method, path, body }) => {
	const url = new URL(`https://developers.teachable.com${path}`);
	if (method === 'GET' && url.pathname === '/v1/users') {
		const email = String(url.searchParams.get('email') || '').toLowerCase();
		return [200, { users: teachableUsers.has(email) ? [teachableUsers.get(email)] : [], meta: {} }];
	}
	if (method === 'POST' && url.pathname === '/v1/users') {
		const email = String((body && body.email) || '').toLowerCase();
		if (!email) return [422, { error: 'email is required' }];
		const existing = teachableUsers.get(email);
		const user = existing || { id: 700 + teachableUsers.size, email, name: (body && body.name) || '' };
		teachableUsers.set(email, user);
		return [201, user, upserted([{ email, id: user.id, created: !existing }])];
	}
	if (method === 'POST' && (url.pathname === '/v1/enroll' || url.pathname === '/v1/unenroll')) {
		const key = `${body && body.user_id}:${body && body.course_id}`;
		const enrolling = url.pathname === '/v1/enroll';
		const had = teachableEnrollments.has(key);
		if (enrolling) teachableEnrollments.add(key);
		else teachableEnrollments.delete(key);
		return [200, { message: enrolling ? 'enrolled' : 'unenrolled' }, { enrollment: { key, enrolling, changed: enrolling !== had } }];
	}
	return [404, { error: 'Not Found' }];
});

// Everything else on the internet stays reachable as it would be (n8n phones home; ignore that).
nock.enableNetConnect();
