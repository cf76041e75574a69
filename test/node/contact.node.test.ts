import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { runWorkflow, type WorkflowRunResult } from '../support/n8n-in-process';
import { AFTER_DONE, AFTER_REVIEW, START, actionWorkflow, items } from '../support/action-workflow';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { closeAllLedgers, getLedger } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { stripe } from '../support/purchase-fixtures';

const NODE = 'Waitlist Contact';

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Contact node in-process`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		function run(parameters: IDataObject, input: INodeExecutionData[], onError?: 'continueRegularOutput' | 'continueErrorOutput'): Promise<WorkflowRunResult> {
			return runWorkflow(actionWorkflow({ name: NODE, type: 'waitlistContact', parameters, onError }), {
				trigger: { node: START, items: input },
				credentials: ledgerCredentialFor(db.config),
			});
		}

		function ok(result: WorkflowRunResult): void {
			assert.equal(result.error(NODE), undefined, `node failed: ${result.error(NODE)?.message}`);
		}

		async function upsert(email: string, extra: IDataObject = {}): Promise<IDataObject> {
			const result = await run({ operation: 'upsert', email: '={{ $json.email }}', ...extra }, items({ email }));
			ok(result);
			return result.output(NODE)[0]!;
		}

		it('upsert creates a contact once, then updates it, with what changed and paired items', async () => {
			const parameters = {
				operation: 'upsert',
				email: '={{ $json.email }}',
				profileInput: 'fields',
				profileFields: { field: [{ name: 'first_name', value: '={{ $json.name }}' }] },
				attribution: { utm_source: '={{ $json.src }}', utm_campaign: 'spring' },
				consent: { item: [{ name: 'marketing_email', given: true }] },
			};
			const first = await run(parameters, items({ email: 'Ada@Example.com', name: 'Ada', src: 'newsletter' }, { email: 'grace@example.com', name: 'Grace', src: 'ads' }));
			ok(first);
			const [ada, grace] = first.output(NODE);
			assert.equal(ada!.created, true);
			assert.equal(grace!.created, true);
			assert.match(String(ada!.contactId), /^[0-9a-f-]{36}$/);
			assert.deepEqual((ada!.changes as IDataObject).first_name, { before: null, after: 'Ada' });
			assert.ok((ada!.changedFields as string[]).includes('first_touch'));
			assert.ok((ada!.changedFields as string[]).includes('consent.marketing_email'));
			const outItems = first.run.data.resultData.runData[NODE]![0]!.data!.main[0]!;
			assert.deepEqual(
				outItems.map((i) => i.pairedItem),
				[{ item: 0 }, { item: 1 }],
			);
			assert.equal(first.output(AFTER_DONE).length, 2, 'Done feeds the next node');
			assert.equal(first.output(NODE, 1).length, 0, 'nothing to review');

			const again = await run(
				{ operation: 'upsert', email: '={{ $json.email }}', profileInput: 'json', profileJson: '={{ JSON.stringify({ first_name: "", city: $json.city }) }}' },
				items({ email: ' ada@EXAMPLE.com ', city: 'London' }),
			);
			ok(again);
			const updated = again.output(NODE)[0]!;
			assert.equal(updated.contactId, ada!.contactId);
			assert.equal(updated.created, false);
			assert.deepEqual(updated.changedFields, ['city'], 'an empty first_name never replaces "Ada"');
		});

		it('upsert sends an identifier that belongs to someone else to Review, and still saves the contact', async () => {
			const owner = await upsert('owner@example.com', { identifiers: { identifier: [{ kind: 'ext:mailchimp', value: 'mc-1' }] } });
			const result = await run(
				{ operation: 'upsert', email: '={{ $json.email }}', identifiers: { identifier: [{ kind: 'ext:mailchimp', value: 'mc-1' }] } },
				items({ email: 'other@example.com' }),
			);
			ok(result);
			const saved = result.output(NODE)[0]!;
			assert.equal(saved.created, true);
			assert.equal(saved.sentToReview, 1);
			const [conflict] = result.output(NODE, 1);
			assert.equal(conflict!.reason, 'identifier_owned_by_other_contact');
			assert.equal(conflict!.contactId, saved.contactId);
			assert.equal(conflict!.otherContactId, owner.contactId);
			assert.match(String(conflict!.message), /already belongs to another contact/);
			assert.equal(result.output(AFTER_REVIEW).length, 1, 'Review feeds its own branch');
		});

		it('upsert with tags: registered ones are applied, unknown ones follow the launch policy', async () => {
			const ledger = await getLedger(db.config);
			await ledger.tags.add({ launch: 'tagged', tag: 'Early Bird' });
			await ledger.settings.update('tagged', { unknownTagPolicy: 'quarantine' });
			const parameters = { operation: 'upsert', launch: 'tagged', email: '={{ $json.email }}', tags: '={{ $json.tags }}' };
			const result = await run(parameters, items({ email: 'tags@example.com', tags: 'early_bird, Brand New' }));
			ok(result);
			const saved = result.output(NODE)[0]!;
			assert.deepEqual(saved.tags, { applied: ['early-bird'], unchanged: [], quarantined: ['brand-new'] });
			const [quarantined] = result.output(NODE, 1);
			assert.deepEqual([quarantined!.review, quarantined!.tag, quarantined!.contactId], ['tag_quarantined', 'brand-new', saved.contactId]);

			await ledger.settings.update('tagged', { unknownTagPolicy: 'reject' });
			const rejected = await run(parameters, items({ email: 'tags2@example.com', tags: 'Erly Bird' }));
			assert.match(rejected.error(NODE)!.message, /^Tags \(tags\[0\]\): "Erly Bird" is not in the tag registry of launch "tagged"; close matches: early-bird/);
			const notCreated = await run({ operation: 'find', launch: 'tagged', identifierKind: 'email', identifierValue: 'tags2@example.com' }, items({}));
			assert.equal(notCreated.output(NODE)[0]!.found, false, 'a rejected tag leaves no half-made contact');
		});

		it('get returns the contact with identifiers and profile', async () => {
			const created = await upsert('get@example.com', { phone: '+1 415 555 2671', profileFields: { field: [{ name: 'first_name', value: 'Gia' }] } });
			const result = await run({ operation: 'get', contactId: '={{ $json.id }}' }, items({ id: created.contactId as string }));
			ok(result);
			const contact = result.output(NODE)[0]!;
			assert.equal(contact.contactId, created.contactId);
			assert.equal(contact.email, 'get@example.com');
			assert.equal(contact.phone, '+14155552671');
			assert.deepEqual(contact.profile, { first_name: 'Gia' });
			assert.equal(contact.status, 'active');
		});

		it('find looks a contact up by any identifier, and says when there is none', async () => {
			const created = await upsert('find@example.com', { identifiers: { identifier: [{ kind: 'ext:hubspot', value: 'hs-42' }] } });
			const result = await run(
				{ operation: 'find', identifierKind: 'ext', identifierSystem: 'hubspot', identifierValue: '={{ $json.v }}' },
				items({ v: 'hs-42' }, { v: 'hs-43' }),
			);
			ok(result);
			const [found, missing] = result.output(NODE);
			assert.equal(found!.found, true);
			assert.equal(found!.contactId, created.contactId);
			assert.equal(missing!.found, false);
			assert.equal(missing!.contactId, null);

			const byEmail = await run({ operation: 'find', identifierKind: 'email', identifierValue: 'FIND@example.com' }, items({}));
			assert.equal(byEmail.output(NODE)[0]!.contactId, created.contactId);
		});

		it('link adds an identifier; a taken one or one over the limit leaves on Review', async () => {
			const a = await upsert('link-a@example.com');
			const b = await upsert('link-b@example.com');
			const linkPhone = { operation: 'link', contactId: '={{ $json.id }}', identifierKind: 'phone', identifierValue: '={{ $json.phone }}' };
			const linked = await run(linkPhone, items({ id: a.contactId as string, phone: '(415) 555-0100' }));
			ok(linked);
			assert.deepEqual(linked.output(NODE)[0], {
				contactId: a.contactId,
				launch: 'default',
				created: false,
				linked: true,
				status: 'linked',
				identifier: { kind: 'phone', value: '(415) 555-0100' },
			});

			const taken = await run(linkPhone, items({ id: b.contactId as string, phone: '+1 415 555 0100' }));
			ok(taken);
			assert.equal(taken.output(NODE).length, 0, 'nothing is linked');
			const [conflict] = taken.output(NODE, 1);
			assert.equal(conflict!.reason, 'identifier_owned_by_other_contact');
			assert.equal(conflict!.contactId, b.contactId);
			assert.equal(conflict!.otherContactId, a.contactId);
			assert.equal(typeof conflict!.reviewId, 'string');

			const linkCustomer = { operation: 'link', contactId: a.contactId as string, identifierKind: 'customer_id', identifierValue: '={{ $json.cid }}' };
			ok(await run(linkCustomer, items({ cid: 'cus_1' })));
			const overLimit = await run(linkCustomer, items({ cid: 'cus_2' }));
			ok(overLimit);
			assert.equal(overLimit.output(NODE, 1)[0]!.reason, 'identifier_limit_reached');
		});

		it('merge joins two contacts (settling a review item); unmerge restores the merged one', async () => {
			const keep = await upsert('keep@example.com', { profileFields: { field: [{ name: 'first_name', value: 'Kim' }] } });
			const dup = await upsert('dup@example.com', { profileFields: { field: [{ name: 'city', value: 'Oslo' }] } });
			const review = await run(
				{ operation: 'link', contactId: keep.contactId as string, identifierKind: 'email', identifierValue: 'dup@example.com' },
				items({}),
			);
			const reviewId = review.output(NODE, 1)[0]!.reviewId as string;
			const merged = await run(
				{ operation: 'merge', targetContactId: '={{ $json.contactId }}', sourceContactId: '={{ $json.otherContactId }}', reviewId: '={{ $json.reviewId }}' },
				items({ contactId: keep.contactId as string, otherContactId: dup.contactId as string, reviewId }),
			);
			ok(merged);
			const out = merged.output(NODE)[0]!;
			assert.equal(out.contactId, keep.contactId);
			assert.equal(out.mergedFrom, dup.contactId);
			assert.deepEqual((out.changes as IDataObject).city, { before: null, after: 'Oslo' });
			const found = await run({ operation: 'find', identifierKind: 'email', identifierValue: 'dup@example.com' }, items({}));
			assert.equal(found.output(NODE)[0]!.contactId, keep.contactId, 'the duplicate\'s email now finds the kept contact');

			const unmerged = await run({ operation: 'unmerge', contactId: '={{ $json.mergedFrom }}' }, items(out));
			ok(unmerged);
			assert.equal(unmerged.output(NODE)[0]!.contactId, dup.contactId);
			assert.equal(unmerged.output(NODE)[0]!.restoredFrom, keep.contactId);
			const back = await run({ operation: 'find', identifierKind: 'email', identifierValue: 'dup@example.com' }, items({}));
			assert.equal(back.output(NODE)[0]!.contactId, dup.contactId);
		});

		it('merge moves a purchase with the person; unmerge after a refund while merged leaves on Review with the review item', async () => {
			const ledger = await getLedger(db.config);
			await ledger.purchases.defineProduct({ launch: 'default', productId: 'course' });
			const keep = await upsert('buyer-keep@example.com');
			const dup = await upsert('buyer-dup@example.com');
			const order = { email: 'buyer-dup@example.com', customer: 'cus_dup', order: 'pi_dup' };
			assert.equal((await ledger.purchases.apply('default', normalizePurchaseEvent('stripe', stripe.checkoutCompleted('evt_n1', order)))).decision, 'grant');
			const merged = await run({ operation: 'merge', targetContactId: keep.contactId as string, sourceContactId: dup.contactId as string }, items({}));
			ok(merged);
			const refund = await ledger.purchases.apply('default', normalizePurchaseEvent('stripe', stripe.chargeRefunded('evt_n2', order)));
			assert.deepEqual([refund.decision, refund.contactId], ['revoke', keep.contactId]);
			const unmerged = await run({ operation: 'unmerge', contactId: dup.contactId as string }, items({}));
			ok(unmerged);
			assert.equal(unmerged.output(NODE).length, 0);
			const out = unmerged.output(NODE, 1)[0]!;
			assert.equal(out.contactId, dup.contactId);
			assert.equal((out.reviewIds as string[]).length, 1);
			assert.equal((await ledger.review.get((out.reviewIds as string[])[0]!))?.reason, 'unmerge_access_changed');
		});

		it('forget erases the person: they cannot be found, and get shows no personal data', async () => {
			const gone = await upsert('forget-me@example.com', { profileFields: { field: [{ name: 'first_name', value: 'Fay' }] } });
			const result = await run({ operation: 'forget', contactId: '={{ $json.contactId }}' }, items(gone));
			ok(result);
			assert.equal(result.output(NODE)[0]!.forgotten, true);
			assert.equal(result.output(NODE)[0]!.identifiersForgotten, 1);
			const found = await run({ operation: 'find', identifierKind: 'email', identifierValue: 'forget-me@example.com' }, items({}));
			assert.equal(found.output(NODE)[0]!.found, false);
			const got = await run({ operation: 'get', contactId: gone.contactId as string }, items({}));
			const contact = got.output(NODE)[0]!;
			assert.equal(contact.status, 'forgotten');
			assert.equal(contact.email, null);
			assert.deepEqual(contact.profile, {});
		});

		it('history shows every change with before and after, newest first; a limit keeps the latest (or, oldest first, the first)', async () => {
			const created = await upsert('history@example.com', { profileFields: { field: [{ name: 'first_name', value: 'Hal' }] } });
			await upsert('history@example.com', { profileFields: { field: [{ name: 'city', value: 'Rome' }] } });
			await run({ operation: 'link', contactId: created.contactId as string, identifierKind: 'customer_id', identifierValue: 'cus_h' }, items({}));

			const all = await run({ operation: 'history', contactId: '={{ $json.contactId }}' }, items(created));
			ok(all);
			const one = all.output(NODE)[0]!;
			const events = one.events as IDataObject[];
			assert.deepEqual(
				events.map((e) => e.type),
				['identifier.linked', 'contact.updated', 'contact.created'],
			);
			assert.deepEqual(((events[2]!.data as IDataObject).changes as IDataObject).first_name, { before: null, after: 'Hal' });
			assert.deepEqual(((events[1]!.data as IDataObject).changes as IDataObject).city, { before: null, after: 'Rome' });
			assert.equal(events[1]!.source, `n8n:${NODE}`);

			const latest = await run({ operation: 'history', contactId: created.contactId as string, historyOptions: { limit: 2 } }, items({}));
			ok(latest);
			assert.deepEqual((latest.output(NODE)[0]!.events as IDataObject[]).map((e) => e.type), ['identifier.linked', 'contact.updated']);
			const first = await run({ operation: 'history', contactId: created.contactId as string, historyOptions: { limit: 2, order: 'oldest' } }, items({}));
			ok(first);
			assert.deepEqual((first.output(NODE)[0]!.events as IDataObject[]).map((e) => e.type), ['contact.created', 'contact.updated']);

			const perEvent = await run(
				{ operation: 'history', contactId: created.contactId as string, historyOutput: 'perEvent', historyOptions: { eventTypes: 'identifier.*' } },
				items({}),
			);
			ok(perEvent);
			assert.deepEqual(
				perEvent.output(NODE).map((e) => [e.type, (e.data as IDataObject).value]),
				[['identifier.linked', 'cus_h']],
			);
		});

		describe('bad input: a NodeOperationError naming the field, or with "continue" the error on the item', () => {
			const cases: { operation: string; parameters: IDataObject; label: string; field: string; matches: RegExp }[] = [
				{ operation: 'upsert', parameters: { email: '={{ $json.bad }}' }, label: 'Email', field: 'email', matches: /not a valid email address/ },
				{ operation: 'get', parameters: { contactId: '={{ $json.bad }}' }, label: 'Contact ID', field: 'contactId', matches: /no contact/ },
				{
					operation: 'find',
					parameters: { identifierKind: 'phone', identifierValue: '={{ $json.bad }}' },
					label: 'Identifier Value',
					field: 'value',
					matches: /not a valid phone number/,
				},
				{
					operation: 'link',
					parameters: { contactId: '={{ $json.good }}', identifierKind: 'email', identifierValue: '={{ $json.bad }}' },
					label: 'Identifier Value',
					field: 'value',
					matches: /not a valid email address/,
				},
				{
					operation: 'merge',
					parameters: { targetContactId: '={{ $json.good }}', sourceContactId: '={{ $json.good }}' },
					label: 'Contact to Keep',
					field: 'targetContactId',
					matches: /same contact/,
				},
				{ operation: 'unmerge', parameters: { contactId: '={{ $json.good }}' }, label: 'Contact ID', field: 'contactId', matches: /not merged/ },
				{ operation: 'forget', parameters: { contactId: '={{ $json.bad }}' }, label: 'Contact ID', field: 'contactId', matches: /no contact/ },
				{ operation: 'history', parameters: { contactId: '={{ $json.bad }}' }, label: 'Contact ID', field: 'contactId', matches: /no contact/ },
			];
			const BAD = { bad: 'not-valid', good: '' };

			for (const c of cases) {
				it(`${c.operation}: stops with "${c.label}: …", or continues with the error on the item`, async () => {
					const good = await upsert(`bad-${c.operation}@example.com`);
					const input = { ...BAD, good: good.contactId as string };
					const failed = await run({ operation: c.operation, ...c.parameters }, items(input));
					const error = failed.error(NODE);
					assert.ok(error, 'the node fails');
					assert.equal(error.name, 'NodeOperationError');
					assert.ok(error.message.startsWith(`${c.label}: `), `message names the field: ${error.message}`);
					assert.match(error.message, c.matches);
					assert.match(String(error.description), new RegExp(`Fix the "${c.label}" parameter`));
					assert.equal(failed.ran(AFTER_DONE), false, 'the run stops');

					// With "continue (regular output)" the error becomes the item, and the next node still runs.
					const continued = await run({ operation: c.operation, ...c.parameters }, items(input), 'continueRegularOutput');
					assert.equal(continued.error(NODE), undefined);
					const [onItem] = continued.output(NODE);
					assert.equal(onItem!.field, c.field);
					assert.ok(String(onItem!.error).startsWith(`${c.label}: `));
					assert.deepEqual(continued.run.data.resultData.runData[NODE]![0]!.data!.main[0]![0]!.pairedItem, { item: 0 });
					assert.equal(continued.output(AFTER_DONE).length, 1, 'the run continues past the node');
				});
			}

			it('with "continue (using error output)" the bad item leaves on the Error output, the good one on Done', async () => {
				const result = await run({ operation: 'upsert', email: '={{ $json.email }}' }, items({ email: 'nope' }, { email: 'fine-2@example.com' }), 'continueErrorOutput');
				assert.equal(result.error(NODE), undefined);
				assert.deepEqual(
					result.output(NODE).map((i) => i.created),
					[true],
				);
				assert.equal(result.output(NODE, 1).length, 0);
				const [failed] = result.output(NODE, 2);
				assert.deepEqual(failed!.details, { field: 'email' });
				assert.equal(failed!.email, 'nope', 'n8n adds the input item to it');
				assert.match(String(failed!.error), /^Email: "nope"/);
			});

			it('continues with the next item after a bad one', async () => {
				const result = await run({ operation: 'upsert', email: '={{ $json.email }}' }, items({ email: 'nope' }, { email: 'fine@example.com' }), 'continueRegularOutput');
				const [bad, fine] = result.output(NODE);
				assert.equal(bad!.field, 'email');
				assert.equal(fine!.created, true);
				assert.deepEqual(
					result.run.data.resultData.runData[NODE]![0]!.data!.main[0]!.map((i) => i.pairedItem),
					[{ item: 0 }, { item: 1 }],
				);
			});
		});
	});
}
