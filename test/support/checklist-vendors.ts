/**
 * Kit (v3) and HubSpot as nock fakes that keep what they are sent, for node tests of the Launch
 * Checklist: the signup template writes subscribers and contacts, the checklist reads them back and
 * removes them. Kit keeps only the custom fields that exist in the account (as Kit does: an unknown
 * field in a subscribe is dropped), so a test can plant a missing custom field; it has the tags in
 * `kitTags` (v3 lists them and tags a subscriber by id). Slack's incoming webhook answers
 * `slackStatus` ("ok" when 200), so a test can plant a removed webhook or an archived channel.
 */
import nock from 'nock';

export interface ChecklistVendors {
	kitFields: Set<string>;
	kit: Map<string, { id: number; fields: Record<string, string>; state: string; tagIds: Set<number> }>;
	/** The Kit account's tags: id → name. */
	kitTags: Map<number, string>;
	/** What Slack's incoming webhook answers, and the texts it took. */
	slackStatus: number;
	slackMessages: string[];
	hubspot: Map<string, { id: string; properties: Record<string, string> }>;
	/** Status the delivery platform (Kajabi) answers; 200 unless a test plants a refusal. */
	kajabiStatus: number;
	/** The emails Kajabi deactivated (access taken back), in order. */
	kajabiDeactivated: string[];
}

/** nock 15 hands a one-parameter reply function the fetch Request (see test/support/vendor-fakes.cjs). */
async function read(request: unknown): Promise<{ url: URL; path: string; body: unknown }> {
	const r = request as Request;
	const text = await r.text();
	const body = text === '' ? {} : /^[[{]/.test(text) ? (JSON.parse(text) as unknown) : Object.fromEntries(new URLSearchParams(text));
	const url = new URL(r.url);
	return { url, path: decodeURIComponent(url.pathname), body };
}

export function fakeChecklistVendors(): ChecklistVendors {
	const state: ChecklistVendors = { kitFields: new Set(['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term']),
		kit: new Map(),
		kitTags: new Map([
			[301, 'customer'],
			[302, 'early-bird'],
		]),
		slackStatus: 200,
		slackMessages: [],
		hubspot: new Map(),
		kajabiStatus: 200,
		kajabiDeactivated: [],
	};
	const kitSubscriber = (email: string) => {
		const key = email.toLowerCase();
		const found = state.kit.get(key) ?? { id: 1000 + state.kit.size, fields: {}, state: 'active', tagIds: new Set<number>() };
		state.kit.set(key, found);
		return found;
	};
	nock('https://api.convertkit.com')
		.persist()
		.post(/^\/v3\/forms\/\d+\/subscribe/)
		.reply(async (request: unknown) => {
			const { body } = await read(request);
			const b = body as { email: string; fields?: Record<string, string> };
			const subscriber = kitSubscriber(b.email);
			for (const [k, v] of Object.entries(b.fields ?? {})) if (state.kitFields.has(k)) subscriber.fields[k] = v;
			return [200, { subscription: { id: 5000 + subscriber.id, subscriber: { id: subscriber.id } } }];
		})
		.post(/^\/v3\/tags\/\d+\/subscribe/)
		.query(true)
		.reply(async (request: unknown) => {
			const { path, body } = await read(request);
			const subscriber = kitSubscriber((body as { email: string }).email);
			subscriber.tagIds.add(Number(path.split('/')[3]));
			return [200, { subscription: { id: 7000 + subscriber.id } }];
		})
		.get('/v3/tags')
		.query(true)
		.reply(() => [200, { tags: [...state.kitTags].map(([id, name]) => ({ id, name, created_at: '2026-11-01T00:00:00.000Z' })) }])
		.get(/^\/v3\/subscribers\/\d+\/tags$/)
		.query(true)
		.reply(async (request: unknown) => {
			const id = Number((await read(request)).path.split('/')[3]);
			const found = [...state.kit.values()].find((s) => s.id === id);
			if (!found) return [404, { error: 'Not Found' }];
			return [200, { tags: [...found.tagIds].filter((t) => state.kitTags.has(t)).map((t) => ({ id: t, name: state.kitTags.get(t) })) }];
		})
		.get(/^\/v3\/subscribers$/)
		.query(true)
		.reply(async (request: unknown) => {
			const email = String((await read(request)).url.searchParams.get('email_address') ?? '').toLowerCase();
			const found = state.kit.get(email);
			return [200, { total_subscribers: found ? 1 : 0, subscribers: found ? [{ id: found.id, email_address: email, state: found.state, fields: found.fields }] : [] }];
		})
		.put('/v3/unsubscribe')
		.reply(async (request: unknown) => {
			const { body } = await read(request);
			const found = state.kit.get(String((body as { email: string }).email).toLowerCase());
			if (found) found.state = 'cancelled';
			return found ? [200, { subscriber: { id: found.id, state: 'cancelled' } }] : [404, { error: 'Not Found' }];
		});
	nock('https://api.hubapi.com')
		.persist()
		.post(/^\/contacts\/v1\/contact\/createOrUpdate\/email\//)
		.reply(async (request: unknown) => {
			const { path, body } = await read(request);
			const email = path.split('/email/')[1]!.toLowerCase();
			const contact = state.hubspot.get(email) ?? { id: String(9000 + state.hubspot.size), properties: { email } };
			for (const p of (body as { properties: Array<{ property: string; value: string }> }).properties) contact.properties[p.property] = p.value;
			const isNew = !state.hubspot.has(email);
			state.hubspot.set(email, contact);
			return [200, { vid: Number(contact.id), isNew }];
		})
		.get(/^\/crm\/v3\/objects\/contacts\/[^/?]+/)
		.query(true)
		.reply(async (request: unknown) => {
			const { url, path } = await read(request);
			const email = path.split('/contacts/')[1]!.toLowerCase();
			const wanted = String(url.searchParams.get('properties') ?? '').split(',');
			const found = state.hubspot.get(email);
			if (!found) return [404, { status: 'error', message: 'Object not found' }];
			return [200, { id: found.id, properties: Object.fromEntries(Object.entries(found.properties).filter(([k]) => wanted.includes(k))), archived: false }];
		})
		.delete(/^\/crm\/v3\/objects\/contacts\/\d+$/)
		.reply(async (request: unknown) => {
			const id = (await read(request)).path.split('/').pop();
			const entry = [...state.hubspot.entries()].find(([, c]) => c.id === id);
			if (!entry) return [404, { status: 'error', message: 'Object not found' }];
			state.hubspot.delete(entry[0]);
			return [204, ''];
		});
	nock('https://app.kajabi.com')
		.persist()
		.post(/\/activate$/)
		.reply(() => (state.kajabiStatus === 200 ? [200, { status: 'ok' }] : [state.kajabiStatus, { error: 'Forbidden: this API key cannot activate offers' }]))
		.post(/\/deactivate$/)
		.reply(async (request: unknown) => {
			state.kajabiDeactivated.push(String(((await read(request)).body as { email?: string }).email ?? ''));
			return [200, { status: 'ok' }];
		});
	nock('https://discord.com').persist().put(/.*/).reply(204);
	// Slack incoming webhooks answer the text "ok", or a short error text (no_service, channel_is_archived).
	nock('https://hooks.slack.com')
		.persist()
		.post(/^\/services\//)
		.reply(async (request: unknown) => {
			const { body } = await read(request);
			if (state.slackStatus !== 200) return [state.slackStatus, state.slackStatus === 410 ? 'channel_is_archived' : 'no_service'];
			state.slackMessages.push(String((body as { text?: string }).text ?? ''));
			return [200, 'ok'];
		});
	return state;
}
