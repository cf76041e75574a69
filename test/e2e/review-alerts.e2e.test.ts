import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { CHECKOUT_CREDENTIALS, STRIPE_TEST_WHSEC, checkoutTemplate } from '../support/checkout-template';
import { startFakeChannels, type FakeChannels } from '../support/fake-channels';
import { startE2eN8n, type E2eN8n } from '../support/n8n-e2e';
import { stripe } from '../support/purchase-fixtures';
import { pointSlackAt } from '../support/review-alert-templates';
import { waitFor } from '../support/wait';

/*
 * The checkout template's Review output on a real n8n: an unknown-email Stripe purchase through the
 * template's own payment webhook reaches a local fake Slack webhook once, naming the buyer and linking
 * to the item on the review desk; the link, opened with the desk's Basic Auth, shows that item.
 * The reconciliation template's Review output is covered in-process (test/node/review-alerts.node.test.ts):
 * the vendor fakes inside n8n answer Stripe's charge list empty, so no order without a contact can reach it here.
 */

const STRIPE_WF = 'wlCheckoutAccess';
const DESK_TEMPLATE = join(PACKAGE_ROOT, 'workflows', 'review-desk.json');
const DESK_NODE_TYPE = 'n8n-nodes-waitlist-ledger.reviewDeskPageTrigger';
const DESK_LOGIN = { user: 'review-team', password: 'a long review-desk password' };
const DESK_AUTH = `Basic ${Buffer.from(`${DESK_LOGIN.user}:${DESK_LOGIN.password}`).toString('base64')}`;
const DESK_CREDENTIAL = { id: 'wlReviewDeskAuth', name: 'Review desk login', type: 'httpBasicAuth', data: DESK_LOGIN };

interface TemplateNode {
	type: string;
	credentials?: Record<string, { id: string; name: string }>;
}

/** workflows/review-desk.json with its Basic Auth credential selected, when the review desk is part of this checkout. */
function reviewDeskTemplate(): { id: string; name: string; nodes: TemplateNode[]; connections: unknown } | null {
	if (!existsSync(DESK_TEMPLATE)) return null;
	const wf = JSON.parse(readFileSync(DESK_TEMPLATE, 'utf8')) as { id: string; name: string; nodes: TemplateNode[]; connections: unknown };
	for (const node of wf.nodes) if (node.type === DESK_NODE_TYPE) node.credentials = { httpBasicAuth: { id: DESK_CREDENTIAL.id, name: DESK_CREDENTIAL.name } };
	return wf;
}

function stripeSigned(payload: object): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify(payload);
	const t = Math.floor(Date.now() / 1000);
	return { body, headers: { 'Stripe-Signature': `t=${t},v1=${createHmac('sha256', STRIPE_TEST_WHSEC).update(`${t}.${body}`).digest('hex')}` } };
}

describe('real n8n: Review outputs post to the alert channel with a link to the review desk', () => {
	let n8n: E2eN8n;
	let channels: FakeChannels;
	const desk = reviewDeskTemplate();
	let link = '';
	let reviewId = '';

	before(async () => {
		channels = await startFakeChannels();
		n8n = await startE2eN8n({
			workflows: [pointSlackAt(checkoutTemplate(), channels.slackUrl), ...(desk ? [desk] : [])],
			credentials: [...CHECKOUT_CREDENTIALS, DESK_CREDENTIAL],
			vendorFakes: {},
		});
		// Step 0 of the template ("Define the product"), as the user runs it once from the editor.
		await n8n.withLedger((ledger) => ledger.purchases.defineProduct({ launch: 'default', productId: 'course', name: 'My course', amount: 5900, currency: 'USD', aliases: { stripe: ['prod_course'] } }));
	});
	after(async () => {
		await n8n?.stop();
		await channels?.close();
	});

	it('an unknown-email Stripe purchase through the payment webhook → one Slack message naming the buyer, with a link to its item on the review desk; nothing delivered', async () => {
		const paid = stripeSigned(stripe.checkoutCompleted('evt_e2e_alert', { email: 'Unknown.Buyer@example.com', customer: 'cus_unknown', order: 'pi_unknown', product: 'prod_course' }));
		assert.equal((await n8n.post('stripe-purchases', paid.body, paid.headers)).status, 200);

		const run = await waitFor('the payment run to finish', () =>
			n8n.executions(STRIPE_WF).find((e) => e.status !== 'running' && e.status !== 'new' && 'Stripe webhook' in e.nodes),
		);
		assert.deepEqual(run.errors, {}, 'the run ended without an error');
		const [item] = (run.nodes['Match purchase']?.[3] ?? []) as Array<{ reason: string; reviewId: string; reviewUrl: string }>;
		assert.equal(item?.reason, 'no_contact_match');
		reviewId = item!.reviewId;

		const messages = await waitFor('the Slack message', () => (channels.messages('slack').length > 0 ? channels.messages('slack') : undefined));
		assert.equal(messages.length, 1, 'one message');
		const text = messages[0]!.text;
		assert.match(text, /^Needs a person: a payment matched nobody on your waitlist/);
		assert.match(text, /Who: Unknown\.Buyer@example\.com/);
		assert.match(text, /Paid: 59\.00 USD for prod_course through stripe \(order pi_unknown\)/);
		const found = /Open it on the review desk: (\S+)/.exec(text);
		assert.ok(found, text);
		link = found[1]!;
		assert.equal(link, `${n8n.baseUrl}/webhook/waitlist-review?item=${encodeURIComponent(reviewId)}`, "this n8n's address, the desk's default path, the item");
		assert.equal(item!.reviewUrl, link);

		await n8n.withLedger(async (ledger) => {
			const open = await ledger.review.detail(reviewId);
			assert.deepEqual([open?.status, open?.paid?.email], ['open', 'Unknown.Buyer@example.com']);
			assert.deepEqual(await ledger.outbox.list({ launch: 'default' }), [], 'nothing delivered');
		});
		assert.deepEqual(n8n.vendorRequests(), [], 'no vendor was called');
	});

	it("the link, opened with the review desk's Basic Auth, answers 200 and shows that item (needs the Review Desk Page Trigger from the review-page branch)", async () => {
		assert.ok(link, 'the Slack message carried a link (previous test)');
		assert.ok(desk, `${DESK_TEMPLATE} is missing: the review desk (branch review-page) is not part of this checkout, so the link leads nowhere yet`);
		const locked = await fetch(link);
		assert.equal(locked.status, 401, 'the desk is never open without its login');
		const res = await fetch(link, { headers: { authorization: DESK_AUTH } });
		const html = await res.text();
		assert.equal(res.status, 200, html.slice(0, 500));
		assert.ok(html.includes(`data-review-id="${reviewId}"`), `the page shows item ${reviewId}`);
	});
});
