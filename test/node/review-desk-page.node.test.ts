import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWebhook, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The Review Desk Page Trigger's real webhook() in-process: nobody without the credential sees
 * anything, each action is one ledger call that closes its item (and a run of the workflow), a
 * second press reads "already resolved", posts from other sites and bad input are refused naming
 * what to fix, `?item=` opens one item first, and every value on the page is escaped.
 */

const TRIGGER = 'Review desk page';
const NEXT = 'Action taken';
const USER = 'desk-team';
const PASSWORD = 'a long desk password';
const SECRET = 'whsec_desk';
const LAUNCH = 'default';
const HOSTILE = '<img src=x onerror=alert(1)>';

function deskWorkflow(): WorkflowJson {
	return {
		name: 'Review desk test',
		nodes: [
			{
				id: 'r1',
				name: TRIGGER,
				type: 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: 'review-desk-test',
				parameters: { path: 'waitlist-review', launch: LAUNCH, authentication: 'basicAuth' },
			},
			{ id: 'r2', name: NEXT, type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [220, 0], parameters: {} },
		],
		connections: { [TRIGGER]: { main: [[{ node: NEXT, type: 'main', index: 0 }]] } },
	} as WorkflowJson;
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const signedIn = { authorization: basic(USER, PASSWORD) };
const sameOrigin = { ...signedIn, host: 'localhost:5678', origin: 'http://localhost:5678', 'sec-fetch-site': 'same-origin' };

for (const driver of DRIVERS) {
	describe(`[${driver}] Review Desk Page Trigger in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		let credentials: Record<string, ICredentialDataDecryptedObject>;

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
			credentials = { ...ledgerCredentialFor(db.config), httpBasicAuth: { user: USER, password: PASSWORD } };
			await ledger.purchases.defineProduct({ launch: LAUNCH, productId: 'course', amount: 5900, currency: 'USD' });
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const get = (query: Record<string, string> = {}, headers: Record<string, string> = signedIn, creds = credentials) =>
			runWebhook(deskWorkflow(), { node: TRIGGER, webhookName: 'setup', request: { method: 'GET', path: '/webhook/waitlist-review', query, headers } as FakeRequest, credentials: creds });
		const post = (body: Record<string, string>, headers: Record<string, string> = sameOrigin) =>
			runWebhook(deskWorkflow(), { node: TRIGGER, webhookName: 'default', request: { method: 'POST', path: '/webhook/waitlist-review', body, headers } as FakeRequest, credentials });

		async function deliver(event: object, secret = SECRET): Promise<string> {
			const rawBody = JSON.stringify(event);
			return (await ledger.purchases.receive({ launch: LAUNCH, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, secret).headers })).id;
		}
		async function unknownBuyer(order: string): Promise<{ reviewId: string; inboxId: string }> {
			const inboxId = await deliver(stripe.checkoutCompleted(`evt_${order}`, { email: `${order}@pay.example`, customer: `cus_${order}`, order }));
			const d = await ledger.purchases.process(inboxId);
			assert.equal(d.decision, 'review');
			return { reviewId: d.reviewId!, inboxId };
		}
		async function linkConflict(email: string, name = 'Dup'): Promise<{ reviewId: string; dup: string; owner: string }> {
			const owner = await ledger.contacts.upsert({ launch: LAUNCH, email });
			const dup = await ledger.contacts.upsert({ launch: LAUNCH, email: `other.${email}`, fields: { first_name: name } });
			const link = await ledger.contacts.link({ launch: LAUNCH, contactId: dup.contactId, kind: 'email', value: email });
			return { reviewId: link.review!.id, dup: dup.contactId, owner: owner.contactId };
		}
		const grants = async (contactId: string) => (await ledger.store.query<{ id: string }>("SELECT id FROM outbox WHERE launch = $1 AND kind = 'grant' AND contact_id = $2", [LAUNCH, contactId])).length;

		it('shows nothing without a credential selected (403) or without the password (401)', async () => {
			await unknownBuyer('pi_locked');
			const locked = await get({}, signedIn, ledgerCredentialFor(db.config));
			assert.equal(locked.response.status, 403);
			assert.match(String(locked.response.body), /No Basic Auth credential is selected, so nobody can open this page/);
			assert.doesNotMatch(String(locked.response.body), /pi_locked/);
			for (const headers of [{}, { authorization: basic(USER, 'wrong') }] as Array<Record<string, string>>) {
				const { response, workflow } = await get({}, headers);
				assert.equal(response.status, 401, JSON.stringify(headers));
				assert.match(response.headers['www-authenticate'] ?? '', /^Basic realm="Review desk"/);
				assert.doesNotMatch(String(response.body), /pi_locked|Open items/);
				assert.equal(workflow, undefined);
			}
			const refused = await post({ action: 'dismiss', reviewId: 'x', reason: 'y' }, { host: 'localhost:5678' });
			assert.equal(refused.response.status, 401);
		});

		it('lists open items with their context, escaped, under the strict CSP; ?item= opens one first', async () => {
			const buyer = await unknownBuyer('pi_context');
			const pair = await linkConflict('ada@example.com', HOSTILE);
			const { response } = await get();
			assert.equal(response.status, 200);
			const html = String(response.body);
			assert.match(response.headers['content-security-policy'] ?? '', /default-src 'none'/);
			assert.doesNotMatch(html, /<script/i);
			assert.ok(!html.includes(HOSTILE), 'the hostile name is never raw HTML');
			assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'), 'it shows as text');
			assert.ok(html.indexOf(`data-review-id="${pair.reviewId}"`) < html.indexOf(`data-review-id="${buyer.reviewId}"`), 'newest first');
			assert.match(html, /59\.00 USD/);
			assert.match(html, /order <code>pi_context<\/code>/);
			assert.match(html, /<code>no_contact_match<\/code>/);
			// The desk speaks of its own buttons, not of node operations.
			assert.match(html, /Find the buyer under Actions and match the purchase to them/);
			assert.doesNotMatch(html, /Replay After Review/);
			assert.match(html, /A wrong signing secret shows up here first/);

			const focused = String((await get({ item: buyer.reviewId })).response.body);
			const first = focused.indexOf('data-review-id="');
			assert.equal(focused.slice(first + 16, first + 16 + buyer.reviewId.length), buyer.reviewId, 'the item asked for comes first');
			assert.match(focused, new RegExp(`data-review-id="${buyer.reviewId}">[\\s\\S]*?<details open>`));

			const unknown = await get({ item: 'rv_nope' });
			assert.equal(unknown.response.status, 404);
			assert.match(String(unknown.response.body), /There is no review item <code>rv_nope<\/code> in launch/);

			const raw = String((await get({ inbox: buyer.inboxId })).response.body);
			assert.match(raw, /<pre class="raw" tabindex="0">\{&quot;id&quot;:&quot;evt_pi_context&quot;/);
		});

		it('match: search by email, pick, submit — the item closes, one grant, a run with what was done; a second press reads "already resolved"', async () => {
			const { reviewId } = await unknownBuyer('pi_match');
			const { contactId } = await ledger.contacts.upsert({ launch: LAUNCH, email: 'grace@example.com', fields: { first_name: 'Grace' } });
			const search = String((await get({ item: reviewId, search: 'grace@' })).response.body);
			assert.match(search, new RegExp(`<input type="radio" id="[^"]+" name="contactId" value="${contactId}" required checked>`));
			const { response, workflow } = await post({ action: 'match', reviewId, contactId, reason: 'paid with her work email' });
			assert.equal(response.status, 200);
			assert.match(String(response.body), new RegExp(`Purchase matched to contact ${contactId}\\. Paid\\. Access granted`));
			const item = await ledger.review.get(reviewId);
			assert.deepEqual([item?.status, item?.resolvedBy], ['resolved', USER]);
			assert.equal(item?.resolution, `matched to contact ${contactId}: paid with her work email`);
			assert.equal(await grants(contactId), 1);
			assert.deepEqual(
				workflow?.output(NEXT).map((j) => [j.action, j.by, j.reason, j.reviewId]),
				[['match', USER, 'paid with her work email', reviewId]],
			);
			const again = await post({ action: 'match', reviewId, contactId, reason: 'second tab' });
			assert.equal(again.response.status, 400);
			assert.match(String(again.response.body), new RegExp(`Review item: review item ${reviewId} is already resolved by ${USER} at \\d{4}-`));
			assert.equal(again.workflow, undefined);
			assert.equal(await grants(contactId), 1, 'nothing done twice');
		});

		it('merge, then unmerge from the settled item; keep apart; give access by hand; dismiss', async () => {
			const pair = await linkConflict('lin@example.com');
			const merged = await post({ action: 'merge', reviewId: pair.reviewId, keep: 'other', reason: 'same person' });
			assert.equal(merged.response.status, 200);
			assert.equal((await ledger.contacts.get(pair.dup))?.status, 'merged');
			assert.match(String(merged.response.body), /Resolved by <strong>desk-team<\/strong> at .*: merged: same person/);
			assert.match(String(merged.response.body), /name="action" value="unmerge"/);
			const unmerged = await post({ action: 'unmerge', contactId: pair.dup, reviewId: pair.reviewId, reason: 'two people after all' });
			assert.equal(unmerged.response.status, 200);
			assert.equal((await ledger.contacts.get(pair.dup))?.status, 'active');
			assert.equal(unmerged.workflow?.output(NEXT)[0]?.action, 'unmerge');

			const apart = await linkConflict('kim@example.com');
			assert.equal((await post({ action: 'keepApart', reviewId: apart.reviewId, reason: 'different people' })).response.status, 200);
			assert.equal((await ledger.review.get(apart.reviewId))?.resolution, 'kept apart: different people');

			const { contactId } = await ledger.contacts.upsert({ launch: LAUNCH, email: 'coupon@example.com' });
			const cheap = await ledger.purchases.process(await deliver(stripe.checkoutCompleted('evt_cheap', { email: 'coupon@example.com', amount: 100, order: 'pi_cheap', customer: 'cus_cheap' })));
			assert.equal(cheap.reason, 'amount_mismatch');
			const pinned = await post({ action: 'grant', reviewId: cheap.reviewId!, productId: 'course', reason: 'a coupon we gave' });
			assert.equal(pinned.response.status, 200);
			assert.equal((await ledger.review.get(cheap.reviewId!))?.resolution, 'access given by hand: a coupon we gave');
			assert.equal(await grants(contactId), 1);

			const test = await unknownBuyer('pi_test');
			assert.equal((await post({ action: 'dismiss', reviewId: test.reviewId, reason: 'a test purchase' })).response.status, 200);
			assert.equal((await ledger.review.get(test.reviewId))?.status, 'resolved');
		});

		it('held grants are released or discarded, a dead letter retried, once each', async () => {
			const launch = LAUNCH;
			await ledger.outbox.pause({ launch, by: 'sam', reason: 'price check' });
			const a = await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'desk-held-a' });
			const b = await ledger.outbox.enqueue({ launch, kind: 'grant', idempotencyKey: 'desk-held-b' });
			assert.match(String((await get()).response.body), new RegExp(`name="entryId" value="${a.id}"`));
			assert.equal((await post({ action: 'release', entryId: a.id, reason: 'paid in full' })).response.status, 200);
			assert.equal((await post({ action: 'discard', entryId: b.id, reason: 'refunded test' })).response.status, 200);
			assert.deepEqual([(await ledger.outbox.get(a.id))?.status, (await ledger.outbox.get(b.id))?.status], ['pending', 'discarded']);
			const twice = await post({ action: 'discard', entryId: a.id, reason: 'again' });
			assert.equal(twice.response.status, 400);
			assert.match(String(twice.response.body), /Entry: outbox entry .* is pending since .*, not held/);
			await ledger.outbox.resume({ launch, by: 'sam', reason: 'done' });

			const { id } = await ledger.outbox.enqueue({ launch, kind: 'crm_sync', idempotencyKey: 'desk-dead' });
			const [claimed] = await ledger.outbox.claim({ launch, limit: 1, leaseMs: 60_000, workerId: 'w', kinds: ['crm_sync'] });
			await ledger.outbox.fail(launch, [{ id, claimToken: claimed!.claimToken, error: `400 ${HOSTILE}`, permanent: true }]);
			const page = String((await get()).response.body);
			assert.match(page, /Last error: 400 &lt;img src=x onerror=alert\(1\)&gt;/);
			assert.equal((await post({ action: 'retry', entryId: id, reason: 'fixed the field' })).response.status, 200);
			assert.equal((await ledger.outbox.get(id))?.status, 'pending');
		});

		it('refuses a post from another site (403) and bad input (400 naming the field), changing nothing', async () => {
			const { reviewId } = await unknownBuyer('pi_bad');
			const cross = await post({ action: 'dismiss', reviewId, reason: 'forged' }, { ...signedIn, host: 'localhost:5678', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
			assert.equal(cross.response.status, 403);
			assert.match(String(cross.response.body), /only takes actions sent from its own page/);
			const cases: Array<[Record<string, string>, RegExp]> = [
				[{ action: 'dismiss', reviewId }, /Why: say why/],
				[{ action: 'match', reviewId, reason: 'x' }, /Contact: pick the buyer from the search results/],
				[{ action: 'match', reviewId, contactId: 'c_nope', reason: 'x' }, /Contact: no contact &quot;c_nope&quot;/],
				[{ action: 'explode', reviewId, reason: 'x' }, /What to do: press one of the buttons/],
				[{ action: 'release', reason: 'x' }, /Entry: is missing/],
				[{ action: 'dismiss', reviewId: 'rv_nope', reason: 'x' }, /Review item: no review item has id/],
			];
			for (const [body, message] of cases) {
				const { response, workflow } = await post(body);
				assert.equal(response.status, 400, JSON.stringify(body));
				assert.match(String(response.body), message);
				assert.match(String(response.body), /role="alert"/);
				assert.equal(workflow, undefined);
			}
			assert.equal((await ledger.review.get(reviewId))?.status, 'open');
		});
	});
}
