import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { runWorkflow, type WorkflowJson, type WorkflowRunResult } from '../support/n8n-in-process';
import { AFTER_DONE, AFTER_REVIEW, START, actionWorkflow, items } from '../support/action-workflow';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';

const NODE = 'Waitlist Tags';

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Tags node in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		before(async () => {
			db = await freshDatabase(driver);
			// Setup (contacts, launch policies) goes straight to the real ledger; the node under test does the rest.
			ledger = await getLedger(db.config);
			await ledger.settings.update('quarantine', { unknownTagPolicy: 'quarantine' });
			await ledger.settings.update('allow', { unknownTagPolicy: 'allow' });
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		function run(parameters: IDataObject, input: INodeExecutionData[], onError?: 'continueRegularOutput'): Promise<WorkflowRunResult> {
			return runWorkflow(actionWorkflow({ name: NODE, type: 'waitlistTags', parameters, onError }), {
				trigger: { node: START, items: input },
				credentials: ledgerCredentialFor(db.config),
			});
		}

		function ok(result: WorkflowRunResult): void {
			assert.equal(result.error(NODE), undefined, `node failed: ${result.error(NODE)?.message}`);
		}

		async function contact(launch: string, email: string): Promise<string> {
			return (await ledger.contacts.upsert({ launch, email })).contactId;
		}

		async function registerEarlyBird(launch: string): Promise<void> {
			const added = await run(
				{ resource: 'registry', operation: 'add', launch, tag: 'Early Bird', kind: 'segment', aliases: 'Early Bird (ad), EB', tagDescription: 'before the deadline' },
				items({}),
			);
			ok(added);
			assert.equal(added.output(NODE)[0]!.tag, 'early-bird');
		}

		it('registry: add, alias, list, export, and import into another launch', async () => {
			await registerEarlyBird('reg');
			const added = await run({ resource: 'registry', operation: 'add', launch: 'reg', tag: 'clicked-email-*', kind: 'ephemeral' }, items({}));
			ok(added);
			assert.equal(added.output(NODE)[0]!.created, true);
			const again = await run({ resource: 'registry', operation: 'add', launch: 'reg', tag: 'early_bird' }, items({}));
			assert.equal(again.output(NODE)[0]!.created, false, 'early_bird is the same tag');

			const aliased = await run({ resource: 'registry', operation: 'alias', launch: 'reg', tag: 'early-bird', alias: 'Frühbucher' }, items({}));
			ok(aliased);
			assert.deepEqual(aliased.output(NODE)[0], { launch: 'reg', tag: 'early-bird', alias: 'frühbucher', created: true });

			const listed = await run({ resource: 'registry', operation: 'list', launch: 'reg' }, items({}));
			ok(listed);
			assert.deepEqual(
				listed.output(NODE).map((t) => [t.tag, t.kind, t.aliases]),
				[
					['clicked-email-*', 'ephemeral', []],
					['early-bird', 'segment', ['early-bird(ad)', 'eb', 'frühbucher']],
				],
			);

			const exported = await run({ resource: 'registry', operation: 'export', launch: 'reg' }, items({}));
			ok(exported);
			const document = exported.output(NODE)[0]!;
			assert.equal(document.format, 'waitlist-ledger.tag-registry');

			const imported = await run({ resource: 'registry', operation: 'import', launch: 'reg-copy', registry: '={{ JSON.stringify($json) }}' }, items(document));
			ok(imported);
			assert.deepEqual(imported.output(NODE)[0]!.added, ['clicked-email-*', 'early-bird']);
			const copy = await run({ resource: 'registry', operation: 'list', launch: 'reg-copy' }, items({}));
			assert.deepEqual(
				copy.output(NODE).map((t) => [t.tag, t.kind, t.aliases]),
				listed.output(NODE).map((t) => [t.tag, t.kind, t.aliases]),
			);
		});

		it('apply collapses aliases and spellings into one tag, once; remove takes it off', async () => {
			await registerEarlyBird('default');
			const id = await contact('default', 'tagged@example.com');
			const applied = await run(
				{ resource: 'tag', operation: 'apply', contactId: '={{ $json.id }}', tags: '={{ $json.tags }}' },
				items({ id, tags: ['Early Bird', 'early_bird', 'Early Bird (ad)', 'EB'] }),
			);
			ok(applied);
			assert.deepEqual(applied.output(NODE)[0], { contactId: id, created: false, launch: 'default', applied: ['early-bird'], unchanged: [], quarantined: [] });
			const twice = await run({ resource: 'tag', operation: 'apply', contactId: id, tags: 'early-bird' }, items({}));
			assert.deepEqual(twice.output(NODE)[0]!.unchanged, ['early-bird']);
			assert.deepEqual(await ledger.tags.ofContact(id).then((t) => t.map((x) => x.tag)), ['early-bird']);

			const removed = await run({ resource: 'tag', operation: 'remove', contactId: id, tags: 'Early Bird (ad), vip' }, items({}));
			ok(removed);
			assert.deepEqual(removed.output(NODE)[0]!.removed, ['early-bird']);
			assert.deepEqual(removed.output(NODE)[0]!.notPresent, ['vip']);
			assert.deepEqual(await ledger.tags.ofContact(id), []);
		});

		it('unknown tags follow the launch policy: reject names the tag and close matches', async () => {
			await registerEarlyBird('default');
			const id = await contact('default', 'rejected@example.com');
			const result = await run({ resource: 'tag', operation: 'apply', contactId: id, tags: 'early-bird, Erly Bird' }, items({}));
			const error = result.error(NODE);
			assert.equal(error?.name, 'NodeOperationError');
			assert.match(error!.message, /^Tags \(tags\[1\]\): "Erly Bird" is not in the tag registry of launch "default"; close matches: early-bird/);
			assert.deepEqual(await ledger.tags.ofContact(id), [], 'nothing is applied when one tag is rejected');
		});

		it('quarantine: known tags are applied, the unknown one leaves on Review', async () => {
			await registerEarlyBird('quarantine');
			const id = await contact('quarantine', 'q@example.com');
			const result = await run({ resource: 'tag', operation: 'apply', launch: 'quarantine', contactId: id, tags: 'Early Bird, Mystery Tag' }, items({}));
			ok(result);
			assert.deepEqual(result.output(NODE)[0]!.applied, ['early-bird']);
			assert.deepEqual(result.output(NODE)[0]!.quarantined, ['mystery-tag']);
			const [reviewItem] = result.output(NODE, 1);
			assert.equal(reviewItem!.review, 'tag_quarantined');
			assert.equal(reviewItem!.tag, 'mystery-tag');
			assert.equal(reviewItem!.contactId, id);
			assert.equal(result.output(AFTER_REVIEW).length, 1);
			assert.deepEqual(
				(await ledger.tags.quarantined('quarantine')).map((q) => [q.raw, q.contactId]),
				[['Mystery Tag', id]],
			);
		});

		it('allow: an unknown tag is applied and recorded as unregistered', async () => {
			const id = await contact('allow', 'a@example.com');
			const result = await run({ resource: 'tag', operation: 'apply', launch: 'allow', contactId: id, tags: 'Anything Goes' }, items({}));
			ok(result);
			assert.deepEqual(result.output(NODE)[0]!.applied, ['anything-goes']);
			assert.equal(result.output(NODE, 1).length, 0);
			const [event] = await ledger.contacts.history(id, { types: ['tag.applied'] });
			assert.equal(event!.data.unregistered, true);
		});

		it('normalize only: cleans names, applies the policy, changes no contact', async () => {
			await registerEarlyBird('norm');
			const known = await run({ resource: 'tag', operation: 'normalize', launch: 'norm', tags: 'Early Bird (ad), EARLY-BIRD, eb' }, items({}));
			ok(known);
			const out = known.output(NODE)[0]!;
			assert.deepEqual(out.tags, ['early-bird']);
			assert.deepEqual(
				(out.resolved as IDataObject[]).map((r) => [r.input, r.status]),
				[
					['Early Bird (ad)', 'alias'],
					['EARLY-BIRD', 'known'],
					['eb', 'alias'],
				],
			);
			const rejected = await run({ resource: 'tag', operation: 'normalize', launch: 'norm', tags: 'Erly Bird' }, items({}));
			assert.match(rejected.error(NODE)!.message, /close matches: early-bird/);

			await registerEarlyBird('quarantine');
			const quarantined = await run({ resource: 'tag', operation: 'normalize', launch: 'quarantine', tags: 'early bird, Brand New' }, items({}));
			ok(quarantined);
			assert.deepEqual(quarantined.output(NODE)[0]!.tags, ['early-bird']);
			assert.deepEqual(
				quarantined.output(NODE, 1).map((r) => [r.input, r.tag, r.contactId]),
				[['Brand New', 'brand-new', null]],
			);
			assert.equal((await ledger.tags.quarantined('quarantine')).filter((q) => q.raw === 'Brand New').length, 0, 'normalize writes nothing');
		});

		it('every tag change shows in the contact\'s history (Tags → Contact history in one workflow)', async () => {
			await registerEarlyBird('default');
			const id = await contact('default', 'history-tags@example.com');
			const workflow: WorkflowJson = {
				name: 'tag then history',
				nodes: [
					{ id: 'h1', name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
					{
						id: 'h2',
						name: 'Add Tags',
						type: 'n8n-nodes-waitlist-ledger.waitlistTags',
						typeVersion: 1,
						position: [200, 0],
						parameters: { resource: 'tag', operation: 'apply', contactId: '={{ $json.id }}', tags: 'early-bird, eb' },
					},
					{
						id: 'h3',
						name: 'Remove Tags',
						type: 'n8n-nodes-waitlist-ledger.waitlistTags',
						typeVersion: 1,
						position: [400, 0],
						parameters: { resource: 'tag', operation: 'remove', contactId: '={{ $json.contactId }}', tags: 'Early Bird' },
					},
					{
						id: 'h4',
						name: 'History',
						type: 'n8n-nodes-waitlist-ledger.waitlistContact',
						typeVersion: 1,
						position: [600, 0],
						parameters: { operation: 'history', contactId: '={{ $json.contactId }}', historyOptions: { eventTypes: 'tag.*', order: 'oldest' } },
					},
				],
				connections: {
					[START]: { main: [[{ node: 'Add Tags', type: 'main', index: 0 }]] },
					'Add Tags': { main: [[{ node: 'Remove Tags', type: 'main', index: 0 }], []] },
					'Remove Tags': { main: [[{ node: 'History', type: 'main', index: 0 }], []] },
				},
			} as WorkflowJson;
			const result = await runWorkflow(workflow, { trigger: { node: START, items: items({ id }) }, credentials: ledgerCredentialFor(db.config) });
			assert.equal(result.error('History'), undefined);
			const events = result.output('History')[0]!.events as IDataObject[];
			assert.deepEqual(
				events.map((e) => [e.type, (e.data as IDataObject).tag, (e.data as IDataObject).before, (e.data as IDataObject).after, e.source]),
				[
					['tag.applied', 'early-bird', false, true, 'n8n:Add Tags'],
					['tag.removed', 'early-bird', true, false, 'n8n:Remove Tags'],
				],
			);
		});

		describe('bad input: a NodeOperationError naming the field, or with "continue" the error on the item', () => {
			const cases: { name: string; parameters: IDataObject; label: string; field: string; matches: RegExp }[] = [
				{
					name: 'apply',
					parameters: { resource: 'tag', operation: 'apply', contactId: '={{ $json.id }}', tags: 'early-bird, Erly Bird' },
					label: 'Tags (tags[1])',
					field: 'tags[1]',
					matches: /close matches: early-bird/,
				},
				{
					name: 'remove',
					parameters: { resource: 'tag', operation: 'remove', contactId: 'nobody', tags: 'early-bird' },
					label: 'Contact ID',
					field: 'contactId',
					matches: /no contact "nobody"/,
				},
				{
					name: 'normalize',
					parameters: { resource: 'tag', operation: 'normalize', tags: '(ad)' },
					label: 'Tags (tags[0])',
					field: 'tags[0]',
					matches: /no name left/,
				},
				{
					name: 'registry add',
					parameters: { resource: 'registry', operation: 'add', tag: 'clicked-*', kind: 'segment' },
					label: 'Tag',
					field: 'tag',
					matches: /only ephemeral tags/,
				},
				{
					name: 'registry alias',
					parameters: { resource: 'registry', operation: 'alias', tag: 'not-registered', alias: 'nr' },
					label: 'Tag',
					field: 'tag',
					matches: /not in the registry.*add it first/,
				},
				{
					name: 'registry import',
					parameters: { resource: 'registry', operation: 'import', registry: '{"tags": [' },
					label: 'Registry JSON',
					field: 'registry',
					matches: /not valid JSON/,
				},
				{
					name: 'registry export',
					parameters: { resource: 'registry', operation: 'export', launch: '={{ $json.launch }}' },
					label: 'Launch',
					field: 'launch',
					matches: /is empty/,
				},
				{
					name: 'registry list',
					parameters: { resource: 'registry', operation: 'list', launch: '={{ $json.launch }}' },
					label: 'Launch',
					field: 'launch',
					matches: /is empty/,
				},
			];
			before(async () => {
				await registerEarlyBird('default');
			});

			for (const c of cases) {
				it(`${c.name}: stops with "${c.label}: …", or continues with the error on the item`, async () => {
					const id = await contact('default', `bad-${c.name.replace(' ', '-')}@example.com`);
					const failed = await run(c.parameters, items({ id }));
					const error = failed.error(NODE);
					assert.ok(error, 'the node fails');
					assert.equal(error.name, 'NodeOperationError');
					assert.ok(error.message.startsWith(`${c.label}: `), `message names the field: ${error.message}`);
					assert.match(error.message, c.matches);
					assert.equal(failed.ran(AFTER_DONE), false, 'the run stops');

					const continued = await run(c.parameters, items({ id }), 'continueRegularOutput');
					assert.equal(continued.error(NODE), undefined);
					const [onItem] = continued.output(NODE);
					assert.equal(onItem!.field, c.field);
					assert.ok(String(onItem!.error).startsWith(`${c.label}: `));
					assert.deepEqual(continued.run.data.resultData.runData[NODE]![0]!.data!.main[0]![0]!.pairedItem, { item: 0 });
					assert.equal(continued.output(AFTER_DONE).length, 1, 'the run continues past the node');
				});
			}
		});
	});
}
