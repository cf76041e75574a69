import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson, type WorkflowRunResult } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The Waitlist Review node through n8n's own engine on a real ledger: the desk as a node, for
 * creators who settle review items in their own flow (issue 13).
 */

const START = 'Start';
const NODE = 'Waitlist Review';
const SECRET = 'whsec_review_node';

type OnError = 'continueRegularOutput' | 'continueErrorOutput';

function reviewWorkflow(parameters: IDataObject, onError?: OnError): WorkflowJson {
	return {
		name: 'Waitlist Review test',
		nodes: [
			{ id: 'r1', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'r2',
				name: NODE,
				type: 'n8n-nodes-waitlist-ledger.waitlistReview',
				typeVersion: 1,
				position: [220, 0],
				// Version 1 starts at Storage "Default"; the test ledger is the credential's.
				parameters: { storage: 'credential', ...parameters },
				credentials: { waitlistLedgerApi: { id: 'test-ledger', name: 'Test ledger' } },
				...(onError ? { onError } : {}),
			},
			{ id: 'r3', name: 'After', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [440, 0], parameters: {} },
		],
		connections: { [START]: { main: [[{ node: NODE, type: 'main', index: 0 }]] }, [NODE]: { main: [[{ node: 'After', type: 'main', index: 0 }]] } },
	} as WorkflowJson;
}

const items = (...jsons: IDataObject[]): INodeExecutionData[] => jsons.map((json) => ({ json }));

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Review node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;

		const run = (parameters: IDataObject, input: INodeExecutionData[] = items({}), onError?: OnError): Promise<WorkflowRunResult> =>
			runWorkflow(reviewWorkflow(parameters, onError), { trigger: { node: START, items: input }, credentials: ledgerCredentialFor(db.config) });

		function ok(result: WorkflowRunResult): IDataObject[] {
			assert.equal(result.error(NODE), undefined, `node failed: ${result.error(NODE)?.message}`);
			return result.output(NODE);
		}

		/** A Stripe payment from an email no contact has: the ledger sends it to review. */
		async function unknownBuyer(launch: string, order: string): Promise<{ reviewId: string; inboxId: string }> {
			await ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const rawBody = JSON.stringify(stripe.checkoutCompleted(`evt_${order}`, { email: `${order}@pay.example`, customer: `cus_${order}`, order }));
			const received = await ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
			const decision = await ledger.purchases.process(received.id);
			assert.deepEqual([decision.decision, decision.reason], ['review', 'no_contact_match']);
			return { reviewId: decision.reviewId!, inboxId: received.id };
		}

		async function grants(launch: string): Promise<string[][]> {
			const rows = await ledger.store.query<{ kind: string; contact_id: string }>('SELECT kind, contact_id FROM outbox WHERE launch = $1 ORDER BY seq', [launch]);
			return rows.map((r) => [r.kind, r.contact_id]);
		}

		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		it('List shows an unknown-email purchase with what was paid, the rule and the delivery; Get reads the same item', async () => {
			const launch = 'list-launch';
			const older = await unknownBuyer(launch, 'pi_older');
			const { reviewId, inboxId } = await unknownBuyer(launch, 'pi_list');
			const listed = ok(await run({ operation: 'list', launch }));
			assert.deepEqual(
				listed.map((i) => i.reviewId),
				[reviewId, older.reviewId],
				'open items, newest first',
			);
			const item = listed[0]!;
			assert.deepEqual([item.status, item.kind, item.rule, item.inboxId, item.launch], ['open', 'purchase', 'no_contact_match', inboxId, launch]);
			assert.deepEqual(item.paid, { provider: 'stripe', orderId: 'pi_list', productId: 'course', amount: 5900, currency: 'USD', email: 'pi_list@pay.example' });
			assert.match(String(item.message), /No contact has this checkout token, customer ID or email/);

			assert.deepEqual(ok(await run({ operation: 'list', launch, limit: 1 })).map((i) => i.reviewId), [reviewId], 'Limit');
			assert.equal(ok(await run({ operation: 'list', launch, status: 'resolved' })).length, 0, 'nothing resolved yet');

			const got = ok(await run({ operation: 'get', reviewId: '={{ $json.reviewId }}' }, items({ reviewId })));
			assert.deepEqual(got, [item], 'Get gives the item with the same context, from an expression');
		});

		it('Return All reads every page of the ledger\'s cursor', async () => {
			const launch = 'many-launch';
			// 105 link conflicts: more than one page of the ledger (100 at most).
			const owner = await ledger.contacts.upsert({ launch, email: 'owner@example.com' });
			for (let i = 0; i < 105; i++) {
				const other = await ledger.contacts.upsert({ launch, email: `dup${i}@example.com` });
				await ledger.contacts.link({ launch, contactId: other.contactId, kind: 'email', value: 'owner@example.com' });
			}
			const all = ok(await run({ operation: 'list', launch, returnAll: true }));
			assert.equal(all.length, 105);
			assert.equal(new Set(all.map((i) => i.reviewId)).size, 105, 'no item twice across pages');
			assert.ok(all.every((i) => i.kind === 'link_identifier' && i.otherContactId === owner.contactId));
			assert.match(String(all[0]!.message), /Merge Contacts or Keep Apart/);
			assert.equal(ok(await run({ operation: 'list', launch, limit: 101 })).length, 101, 'a Limit above one page pages too');
		});

		it('Resolve → Match Purchase to Contact enqueues the grant once; the same id again in one run errors with "already resolved" (continue on fail)', async () => {
			const launch = 'match-launch';
			const { reviewId } = await unknownBuyer(launch, 'pi_match');
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'ada@example.com' });
			const parameters = { operation: 'resolve', resolveWith: 'matchPurchase', contactId, by: 'sam@example.com', reason: 'she wrote from her work address' };
			const result = await run(parameters, items({ reviewId }, { reviewId }), 'continueRegularOutput');
			assert.equal(result.error(NODE), undefined);
			const [first, second] = result.output(NODE);
			assert.deepEqual([first!.reviewId, first!.status, first!.resolvedBy, first!.action], [reviewId, 'resolved', 'sam@example.com', 'matchPurchase']);
			assert.deepEqual([(first!.decision as IDataObject).decision, (first!.decision as IDataObject).contactId], ['grant', contactId]);
			assert.deepEqual((first!.linked as string[]).sort(), ['customer_id:stripe:cus_pi_match', 'email:pi_match@pay.example']);
			assert.match(String(second!.error), /^Review Item ID: review item .* is already resolved by sam@example\.com at \d{4}-\d\d-\d\dT.*reload the list/);
			assert.deepEqual(await grants(launch), [['grant', contactId]], 'the grant is in the outbox exactly once');
			assert.equal(result.output('After').length, 2, 'the error item went on with the run');

			// Without continue on fail, the node stops with the same words.
			const again = await run(parameters, items({ reviewId }));
			assert.match(again.error(NODE)?.message ?? '', /already resolved by sam@example\.com/);
			assert.equal((await grants(launch)).length, 1);
		});

		it('Resolve → Give Access pins the item\'s contact; Keep Apart closes a link conflict; the wrong action for an item changes nothing', async () => {
			const launch = 'pin-launch';
			await ledger.purchases.defineProduct({ launch, productId: 'course', amount: 5900, currency: 'USD' });
			const { contactId } = await ledger.contacts.upsert({ launch, email: 'coupon@example.com' });
			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_cp', { email: 'coupon@example.com', amount: 100, order: 'pi_cp' }));
			const received = await ledger.purchases.receive({ launch, provider: 'stripe', secret: SECRET, rawBody, headers: stripeSign(rawBody, SECRET).headers });
			const cheap = await ledger.purchases.process(received.id);
			const wrong = await run({ operation: 'resolve', resolveWith: 'matchPurchase', reviewId: cheap.reviewId, contactId, by: 'sam', reason: 'x' });
			assert.match(wrong.error(NODE)?.message ?? '', /stopped for amount_mismatch/);
			const given = ok(await run({ operation: 'resolve', resolveWith: 'giveAccess', reviewId: cheap.reviewId, by: 'sam', reason: 'a 98% coupon we gave' }));
			assert.deepEqual([given[0]!.status, given[0]!.resolution, (given[0]!.decision as IDataObject).accessState], ['resolved', 'access given by hand: a 98% coupon we gave', 'granted']);
			assert.equal((await ledger.purchases.access({ launch, contactId, productId: 'course' }))?.pin, 'grant');

			// An unknown buyer's item names no contact: Give Access asks for one, then pins the one named.
			const stranger = await unknownBuyer(launch, 'pi_gift');
			const noContact = await run({ operation: 'resolve', resolveWith: 'giveAccess', reviewId: stranger.reviewId, by: 'sam', reason: 'paid by bank transfer' });
			assert.match(noContact.error(NODE)?.message ?? '', /^Contact ID/);
			assert.equal((await ledger.review.get(stranger.reviewId))?.status, 'open', 'nothing changed');
			const friend = await ledger.contacts.upsert({ launch, email: 'friend@example.com' });
			const gift = ok(await run({ operation: 'resolve', resolveWith: 'giveAccess', reviewId: stranger.reviewId, pinContactId: friend.contactId, pinProductId: 'course', by: 'sam', reason: 'paid by bank transfer' }));
			assert.deepEqual([gift[0]!.status, (gift[0]!.decision as IDataObject).contactId], ['resolved', friend.contactId]);

			const dup = await ledger.contacts.upsert({ launch, email: 'coupon.work@example.com' });
			const conflict = await ledger.contacts.link({ launch, contactId: dup.contactId, kind: 'email', value: 'coupon@example.com' });
			const apart = ok(await run({ operation: 'resolve', resolveWith: 'keepApart', reviewId: conflict.review!.id, by: 'sam', reason: 'two people' }));
			assert.equal(apart[0]!.status, 'resolved');
			assert.equal((await ledger.contacts.get(dup.contactId))?.status, 'active', 'both contacts stay');
		});

		it('Dismiss closes the item with who and why; Get of an unknown id says where an id comes from', async () => {
			const launch = 'dismiss-launch';
			const { reviewId } = await unknownBuyer(launch, 'pi_dismiss');
			const dismissed = ok(await run({ operation: 'dismiss', by: 'sam', reason: 'refunded at Stripe already' }, items({ reviewId })));
			assert.deepEqual([dismissed[0]!.status, dismissed[0]!.resolution, dismissed[0]!.resolvedBy], ['resolved', 'dismissed: refunded at Stripe already', 'sam']);
			assert.deepEqual([(await ledger.review.get(reviewId))?.status], ['resolved']);
			assert.deepEqual(ok(await run({ operation: 'list', launch, status: 'resolved' })).map((i) => i.reviewId), [reviewId]);
			assert.equal(ok(await run({ operation: 'list', launch })).length, 0, 'no open item left');

			const unknown = await run({ operation: 'get', reviewId: 'rv_does_not_exist' });
			assert.match(unknown.error(NODE)?.message ?? '', /^Review Item ID: no review item has id "rv_does_not_exist"; use the reviewId of Purchase Match's Review output/);
			const empty = await run({ operation: 'dismiss', by: 'sam', reason: 'x' }, items({}));
			assert.match(empty.error(NODE)?.message ?? '', /^Review Item ID: is required, e\.g\. \{\{ \$json\.reviewId \}\}/);
			const noReason = await run({ operation: 'dismiss', reviewId: 'rv_x', by: 'sam', reason: ' ' });
			assert.match(noReason.error(NODE)?.message ?? '', /^Reason: is required/);
		});
	});
}
