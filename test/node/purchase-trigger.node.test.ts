import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import nock from 'nock';

import { closeAllLedgers, getLedger, type InboxEntry } from '../../ledger';
import { runWebhook, type WebhookRunResult, type WorkflowJson } from '../support/n8n-in-process';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { gumroad, lemonSqueezy, paddle, shopify, stripe } from '../support/purchase-fixtures';
import { genericSign, lemonSqueezySign, paddleSign, shopifySign, stripeSign, type GenericSigning, type Signed } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type DriverName, type TestDatabase } from '../support/stores';

const TRIGGER = 'Purchase Webhook Trigger';
const NEXT = 'Next Step';
const SECRET = 'whsec_node_test_secret';
const WRONG = 'whsec_someone_else';
const HOUR = 3_600_000;
const GENERIC: GenericSigning = { header: 'X-Hub-Signature', algorithm: 'sha512', encoding: 'base64', prefix: 'sha512=', signed: 'timestamp.body', timestampHeader: 'X-Timestamp' };

function workflow(provider: string, parameters: Record<string, unknown> = {}): WorkflowJson {
	return {
		id: 'purchTrigTest01x',
		name: 'purchase trigger test',
		nodes: [
			{
				id: 'trigger',
				name: TRIGGER,
				type: 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'purchase-trigger-test',
				parameters: { path: `purchases-${provider}`, provider, launch: 'default', ...parameters },
			},
			{ id: 'next', name: NEXT, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
		],
		connections: { [TRIGGER]: { main: [[{ node: NEXT, type: 'main', index: 0 }]] } },
	};
}

/** One provider: how a delivery is built and signed, what a "missing header" and a stale one are. */
interface ProviderCase {
	provider: string;
	credentials: Record<string, Record<string, string>>;
	/** A captured (paid) delivery with this id, signed with `secret` at time `at`. */
	captured(id: string, secret?: string, at?: number): Signed & { query?: Record<string, string> };
	/** A delivery of an event type the pack does not act on. */
	unknown(id: string): Signed & { query?: Record<string, string> };
	/** The same body, unsigned: the signature header (or URL secret) left out. */
	withoutSignature(d: Signed & { query?: Record<string, string> }): Signed & { query?: Record<string, string> };
	/** The provider's event id for `captured(id)`, as the inbox stores it. */
	eventId(id: string): string;
	signsTime: boolean;
	signsBody: boolean;
	/** A non-JSON body, signed (so only the parsing fails). */
	notJson(): Signed & { query?: Record<string, string> };
}

const dropHeader = (d: Signed, name: string): Signed => ({ ...d, headers: Object.fromEntries(Object.entries(d.headers).filter(([k]) => k !== name)) });

const CASES: ProviderCase[] = [
	{
		provider: 'stripe',
		credentials: { stripeWebhookSecretApi: { signingSecret: SECRET } },
		captured: (id, secret = SECRET, at) => stripeSign(JSON.stringify(stripe.checkoutCompleted(id, { order: `pi_${id}` })), secret, at),
		unknown: (id) => stripeSign(JSON.stringify({ id, object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } }), SECRET),
		withoutSignature: (d) => dropHeader(d, 'stripe-signature'),
		eventId: (id) => id,
		signsTime: true,
		signsBody: true,
		notJson: () => stripeSign('id=evt_x&type=checkout.session.completed', SECRET),
	},
	{
		provider: 'lemonsqueezy',
		credentials: { lemonSqueezyWebhookSecretApi: { signingSecret: SECRET } },
		captured: (id, secret = SECRET) => lemonSqueezySign(JSON.stringify(lemonSqueezy.order('order_created', { order: id })), secret, 'order_created'),
		unknown: (id) => lemonSqueezySign(JSON.stringify({ meta: { event_name: 'license_key_created' }, data: { type: 'license-keys', id, attributes: { created_at: '2026-11-27T09:00:00.000000Z' } } }), SECRET, 'license_key_created'),
		withoutSignature: (d) => dropHeader(d, 'x-signature'),
		eventId: (id) => `order_created:${id}:2026-11-27T09:00:00.000000Z`,
		signsTime: false,
		signsBody: true,
		notJson: () => lemonSqueezySign('<html>not json</html>', SECRET, 'order_created'),
	},
	{
		provider: 'paddle',
		credentials: { paddleWebhookSecretApi: { signingSecret: SECRET } },
		captured: (id, secret = SECRET, at) => paddleSign(JSON.stringify(paddle.transactionCompleted(id, { order: `txn_${id}` })), secret, at),
		unknown: (id) => paddleSign(JSON.stringify({ event_id: id, event_type: 'customer.created', occurred_at: '2026-11-27T09:00:00Z', data: { id: 'ctm_1' } }), SECRET),
		withoutSignature: (d) => dropHeader(d, 'paddle-signature'),
		eventId: (id) => id,
		signsTime: true,
		signsBody: true,
		notJson: () => paddleSign('{"event_id": "evt_broken",', SECRET),
	},
	{
		provider: 'shopify',
		credentials: { shopifyWebhookSecretApi: { signingSecret: SECRET } },
		captured: (id, secret = SECRET) => shopifySign(JSON.stringify(shopify.order({ order: '820982911946154508' })), secret, 'orders/paid', id),
		unknown: (id) => shopifySign(JSON.stringify({ id: 632910392, title: 'Course' }), SECRET, 'products/update', id),
		withoutSignature: (d) => dropHeader(d, 'x-shopify-hmac-sha256'),
		eventId: (id) => id,
		signsTime: false,
		signsBody: true,
		notJson: () => shopifySign('not json at all', SECRET, 'orders/paid', 'wh-notjson'),
	},
	{
		provider: 'generic',
		credentials: { hmacWebhookSecretApi: { signingSecret: SECRET, header: GENERIC.header, algorithm: GENERIC.algorithm, encoding: GENERIC.encoding, prefix: GENERIC.prefix!, signed: GENERIC.signed, timestampHeader: GENERIC.timestampHeader! } },
		captured: (id, secret = SECRET, at) =>
			genericSign(JSON.stringify({ event_id: id, type: 'captured', order_id: `ord_${id}`, product_id: 'course', amount: 5900, currency: 'usd', email: 'ada@example.com' }), secret, GENERIC, at),
		unknown: (id) => genericSign(JSON.stringify({ event_id: id, type: 'invoice_sent', order_id: 'ord_1' }), SECRET, GENERIC),
		withoutSignature: (d) => dropHeader(d, 'x-hub-signature'),
		eventId: (id) => id,
		signsTime: true,
		signsBody: true,
		notJson: () => genericSign('event_id=1', SECRET, GENERIC),
	},
	{
		provider: 'gumroad',
		credentials: { gumroadPingApi: { urlSecret: SECRET, accessToken: 'gumroad-token' } },
		captured: (id, secret = SECRET) => ({ rawBody: gumroad.sale({ order: id }), headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: { secret } }),
		unknown: (id) => ({ rawBody: `${gumroad.sale({ order: id })}&resource_name=subscription_updated`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: { secret: SECRET } }),
		withoutSignature: (d) => ({ ...d, query: {} }),
		eventId: (id) => `${id}:captured`,
		signsTime: false,
		// Unsigned: only the URL secret and Gumroad's API vouch for a ping.
		signsBody: false,
		notJson: () => ({ rawBody: 'seller_id=seller1&product_id=prod_gum', headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: { secret: SECRET } }),
	},
];

/** Gumroad's API, faked: GET /v2/sales/<id> answers the sale once per call allowed. */
function gumroadKnowsSale(id: string, times = 1, sale: Record<string, unknown> = {}): nock.Scope {
	return nock('https://api.gumroad.com')
		.get(`/v2/sales/${id}`)
		.matchHeader('authorization', 'Bearer gumroad-token')
		.times(times)
		.reply(200, { success: true, sale: { id, email: 'ada@example.com', product_id: 'prod_gum', price: 5900, refunded: false, chargedback: false, ...sale } });
}

async function deliver(c: ProviderCase, db: TestDatabase, d: Signed & { query?: Record<string, string> }, parameters: Record<string, unknown> = {}): Promise<WebhookRunResult> {
	return runWebhook(workflow(c.provider, parameters), {
		node: TRIGGER,
		request: { rawBody: Buffer.from(d.rawBody), headers: d.headers, query: d.query ?? {} },
		credentials: { ...ledgerCredentialFor(db.config), ...c.credentials },
	});
}

async function inbox(db: TestDatabase, id: string): Promise<InboxEntry> {
	const entry = await (await getLedger(db.config)).purchases.inboxEntry(id);
	assert.ok(entry, `inbox entry ${id} exists`);
	return entry;
}

const inboxIdOf = (r: WebhookRunResult) => (r.response.body as { inboxId: string }).inboxId;

function assertRejected(r: WebhookRunResult, status: number, reason: string) {
	assert.equal(r.response.status, status, JSON.stringify(r.response.body));
	assert.equal((r.response.body as { reason: string }).reason, reason);
	assert.equal(r.workflow, undefined, 'no execution is started');
}

function providerSuite(driver: DriverName, c: ProviderCase) {
	describe(`[${driver}] Purchase Webhook Trigger: ${c.provider}`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
			nock.disableNetConnect();
		});
		afterEach(() => nock.cleanAll());
		after(async () => {
			nock.enableNetConnect();
			await closeAllLedgers();
			await db.drop();
		});

		it('a valid delivery is kept in the inbox, answered 200 and starts one execution with the normalized event', async () => {
			const id = `${c.provider}_valid`;
			const api = c.provider === 'gumroad' ? gumroadKnowsSale(id) : null;
			const r = await deliver(c, db, c.captured(id));
			assert.equal(r.response.status, 200, JSON.stringify(r.response.body));
			assert.equal(r.response.answeredByNode, true);
			const [item] = r.workflow?.output(TRIGGER) ?? [];
			assert.ok(item, 'an execution started');
			assert.equal(r.workflow!.output(NEXT).length, 1, 'the next node got the item');
			assert.deepEqual([item.provider, item.type, item.eventId, item.inboxId], [c.provider, 'captured', c.eventId(id), inboxIdOf(r)]);
			assert.equal(typeof item.payload, 'object');
			const entry = await inbox(db, inboxIdOf(r));
			// Processing is the next node's business (Purchase Match); until then the entry stays replayable.
			assert.deepEqual([entry.status, entry.signatureOk, entry.eventId], ['received', true, c.eventId(id)]);
			if (api) {
				assert.ok(api.isDone(), 'the sale was looked up at Gumroad');
				assert.equal(item.confirmed, true);
				assert.equal(typeof entry.confirmedAt, 'number');
			} else assert.equal(item.confirmed, null);
		});

		it('a bad signature is kept with the reason, answered 401, and starts nothing', async () => {
			const r = await deliver(c, db, c.captured(`${c.provider}_forged`, WRONG));
			assertRejected(r, 401, 'bad_signature');
			const entry = await inbox(db, inboxIdOf(r));
			assert.deepEqual([entry.status, entry.signatureOk, entry.signatureReason], ['rejected', false, 'bad_signature']);
			assert.equal(entry.rawBody, c.captured(`${c.provider}_forged`, WRONG).rawBody, 'what was received is kept as it came');
		});

		it('a missing signature header (or URL secret) is kept, answered 401, and starts nothing', async () => {
			const r = await deliver(c, db, c.withoutSignature(c.captured(`${c.provider}_nosig`)));
			assertRejected(r, 401, 'missing_header');
			assert.equal((await inbox(db, inboxIdOf(r))).signatureReason, 'missing_header');
		});

		if (c.signsTime) {
			it('a stale timestamp is kept, answered 401, and starts nothing', async () => {
				const r = await deliver(c, db, c.captured(`${c.provider}_stale`, SECRET, Date.now() - HOUR));
				assertRejected(r, 401, 'stale_timestamp');
				assert.equal((await inbox(db, inboxIdOf(r))).status, 'rejected');
			});
		}

		if (c.signsBody) {
			it('a body changed by one byte after signing is kept, answered 401, and starts nothing', async () => {
				const signed = c.captured(`${c.provider}_tampered`);
				// The price 59.00 becomes 69.00: one byte.
				const at = signed.rawBody.indexOf('59');
				assert.ok(at > 0, 'the fixture has a price to change');
				const tampered = { ...signed, rawBody: `${signed.rawBody.slice(0, at)}6${signed.rawBody.slice(at + 1)}` };
				assert.equal(Buffer.compare(Buffer.from(tampered.rawBody), Buffer.from(signed.rawBody)) !== 0 && tampered.rawBody.length === signed.rawBody.length, true);
				const r = await deliver(c, db, tampered);
				assertRejected(r, 401, 'bad_signature');
				assert.equal((await inbox(db, inboxIdOf(r))).rawBody, tampered.rawBody, 'the changed body is kept as it came');
			});
		}

		it('a body that cannot be read is kept, answered 400 with the reason, and starts nothing', async () => {
			const r = await deliver(c, db, c.notJson());
			assertRejected(r, 400, 'unreadable');
			assert.match((r.response.body as { message: string }).message, c.provider === 'gumroad' ? /sale_id/ : /JSON/);
			const entry = await inbox(db, inboxIdOf(r));
			assert.equal(entry.status, 'rejected');
			assert.match(entry.signatureReason ?? '', /^unreadable/);
		});

		it('an event type the pack does not act on is recorded, answered 200 and ignored (no execution)', async () => {
			const r = await deliver(c, db, c.unknown(`${c.provider}_unknown`));
			assert.equal(r.response.status, 200, JSON.stringify(r.response.body));
			assert.deepEqual([(r.response.body as { status: string }).status, (r.response.body as { reason: string }).reason], ['ignored', 'unknown_event_type']);
			assert.equal(r.workflow, undefined);
			const entry = await inbox(db, inboxIdOf(r));
			assert.deepEqual([entry.status, entry.signatureOk], ['ignored', true]);
		});

		it('one event id delivered 20 times at once is stored once, answered 200 every time, and starts one execution', async () => {
			const id = `${c.provider}_twenty`;
			const api = c.provider === 'gumroad' ? gumroadKnowsSale(id, 1) : null;
			const delivery = c.captured(id);
			const results = await Promise.all(Array.from({ length: 20 }, () => deliver(c, db, delivery)));
			assert.deepEqual(new Set(results.map((r) => r.response.status)), new Set([200]));
			assert.equal(results.filter((r) => r.workflow !== undefined).length, 1, 'exactly one execution');
			assert.equal(results.filter((r) => (r.response.body as { status: string }).status === 'duplicate').length, 19);
			assert.equal(new Set(results.map(inboxIdOf)).size, 1, 'one inbox entry');
			const entry = await inbox(db, inboxIdOf(results[0]!));
			assert.equal(entry.attempts, 20);
			if (api) assert.ok(api.isDone(), 'Gumroad was asked once');
			// The run hands the entry on; processing it twice is impossible (the ledger's rule), shown here.
			const ledger = await getLedger(db.config);
			const decisions = await Promise.all([ledger.purchases.process(entry.id), ledger.purchases.process(entry.id)]);
			assert.equal(decisions.filter((d) => !d.duplicate).length, 1);
		});
	});
}

for (const driver of DRIVERS) for (const c of CASES) providerSuite(driver, c);

describe('[sqlite] Purchase Webhook Trigger: Gumroad sale confirmation', () => {
	let db: TestDatabase;
	const c = CASES.find((x) => x.provider === 'gumroad')!;
	before(async () => {
		db = await freshDatabase('sqlite');
		nock.disableNetConnect();
	});
	afterEach(() => nock.cleanAll());
	after(async () => {
		nock.enableNetConnect();
		await closeAllLedgers();
		await db.drop();
	});

	it('a sale Gumroad does not know is recorded as not confirmed, answered 200, and starts nothing', async () => {
		const api = nock('https://api.gumroad.com').get('/v2/sales/sale_fake').reply(404, { success: false, message: 'The sale was not found.' });
		const r = await deliver(c, db, c.captured('sale_fake'));
		assert.equal(r.response.status, 200);
		assert.deepEqual([(r.response.body as { status: string }).status, (r.response.body as { reason: string }).reason], ['ignored', 'not_confirmed']);
		assert.equal(r.workflow, undefined);
		assert.ok(api.isDone());
		const entry = await inbox(db, inboxIdOf(r));
		assert.deepEqual([entry.status, entry.decision], ['ignored', 'not_confirmed']);
		assert.match(entry.lastError ?? '', /no sale sale_fake/);
	});

	it('a sale for another product, or already refunded, is not confirmed', async () => {
		nock('https://api.gumroad.com').get('/v2/sales/sale_other').reply(200, { success: true, sale: { id: 'sale_other', product_id: 'prod_cheap', email: 'ada@example.com' } });
		const other = await deliver(c, db, c.captured('sale_other'));
		assert.equal((other.response.body as { reason: string }).reason, 'not_confirmed');
		assert.match((await inbox(db, inboxIdOf(other))).lastError ?? '', /product prod_cheap/);
		gumroadKnowsSale('sale_refunded', 1, { refunded: true });
		const refunded = await deliver(c, db, c.captured('sale_refunded'));
		assert.equal((refunded.response.body as { reason: string }).reason, 'not_confirmed');
		assert.equal(refunded.workflow, undefined);
	});

	it('Gumroad unreachable → 503 and the ping stays received; when Gumroad repeats it the sale is confirmed and one execution starts', async () => {
		nock('https://api.gumroad.com').get('/v2/sales/sale_later').reply(503, { success: false });
		const first = await deliver(c, db, c.captured('sale_later'));
		assert.equal(first.response.status, 503);
		assert.equal(first.workflow, undefined);
		const pending = await inbox(db, inboxIdOf(first));
		assert.deepEqual([pending.status, pending.confirmedAt], ['received', null]);
		assert.match(pending.lastError ?? '', /^confirmation_unavailable/);

		gumroadKnowsSale('sale_later');
		const repeat = await deliver(c, db, c.captured('sale_later'));
		assert.equal(repeat.response.status, 200);
		assert.equal(inboxIdOf(repeat), inboxIdOf(first));
		assert.equal(repeat.workflow?.output(TRIGGER)[0]?.confirmed, true);
		const third = await deliver(c, db, c.captured('sale_later'));
		assert.deepEqual([third.response.status, (third.response.body as { status: string }).status, third.workflow], [200, 'duplicate', undefined]);
	});

	it('Gumroad refusing the access token, or no token in the credential, is a passing problem: 503 and the ping stays received', async () => {
		nock('https://api.gumroad.com').get('/v2/sales/sale_token').reply(401, { success: false, message: 'The access token is invalid' });
		const refused = await deliver(c, db, c.captured('sale_token'));
		assert.equal(refused.response.status, 503);
		assert.match((refused.response.body as { message: string }).message, /Access Token/);
		assert.equal((await inbox(db, inboxIdOf(refused))).status, 'received');

		const noToken = await runWebhook(workflow('gumroad'), {
			node: TRIGGER,
			request: { rawBody: Buffer.from(gumroad.sale({ order: 'sale_notoken' })), headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: { secret: SECRET } },
			credentials: { ...ledgerCredentialFor(db.config), gumroadPingApi: { urlSecret: SECRET, accessToken: '' } },
		});
		assert.deepEqual([noToken.response.status, noToken.workflow], [503, undefined]);
		const pending = await inbox(db, inboxIdOf(noToken));
		assert.deepEqual([pending.status, pending.confirmedAt], ['received', null]);
		assert.match(pending.lastError ?? '', /no Access Token/);
	});

	it('with confirmation turned off, pings flow through unconfirmed and never grant', async () => {
		const ledger = await getLedger(db.config);
		await ledger.purchases.defineProduct({ launch: 'default', productId: 'prod_gum' });
		await ledger.contacts.upsert({ launch: 'default', email: 'ada@example.com' });
		const r = await deliver(c, db, c.captured('sale_unconfirmed'), { confirmSale: false });
		const [item] = r.workflow?.output(TRIGGER) ?? [];
		assert.equal(item?.confirmed, false);
		const decision = await ledger.purchases.process(String(item!.inboxId));
		assert.deepEqual([decision.decision, decision.reason], ['no_change', 'needs_confirmation']);
	});
});

describe('[sqlite] Purchase Webhook Trigger: a trigger without its secret', () => {
	let db: TestDatabase;
	const c = CASES.find((x) => x.provider === 'stripe')!;
	before(async () => {
		db = await freshDatabase('sqlite');
	});
	after(async () => {
		await closeAllLedgers();
		await db.drop();
	});

	it('keeps the delivery as not configured, answers 500 so Stripe sends it again, and accepts it once the secret is filled in', async () => {
		const delivery = c.captured('evt_unconfigured');
		const unconfigured = await runWebhook(workflow('stripe'), {
			node: TRIGGER,
			request: { rawBody: Buffer.from(delivery.rawBody), headers: delivery.headers },
			credentials: { ...ledgerCredentialFor(db.config), stripeWebhookSecretApi: { signingSecret: '' } },
		});
		assert.equal(unconfigured.response.status, 500);
		assert.match((unconfigured.response.body as { message: string }).message, /fill in its credential/);
		assert.equal(unconfigured.workflow, undefined);
		const kept = await inbox(db, inboxIdOf(unconfigured));
		assert.deepEqual([kept.status, kept.signatureReason, kept.rawBody], ['rejected', 'not_configured', delivery.rawBody]);

		const retried = await deliver(c, db, delivery);
		assert.equal(retried.response.status, 200);
		assert.equal(retried.workflow?.output(TRIGGER)[0]?.eventId, 'evt_unconfigured');
	});
});
