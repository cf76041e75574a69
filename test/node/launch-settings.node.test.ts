import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { runWorkflow, type WorkflowRunResult } from '../support/n8n-in-process';
import { AFTER_DONE, AFTER_REVIEW, START, actionWorkflow, items } from '../support/action-workflow';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { closeAllLedgers, DEFAULT_LAUNCH_SETTINGS, getLedger, type Ledger } from '../../ledger';
import { listLaunchEvents } from '../../ledger/internal';
import { ALERT_SETTING_PATHS, alertSettingsProperty } from '../../nodes/WaitlistContact/actions/launchSetting/alertSettings';

const NODE = 'Waitlist Contact';
const TAGS = 'Waitlist Tags';

describe('Launch Setting → Update: alert settings', () => {
	it('each field\'s default is the ledger\'s default, and every alert setting has a field', () => {
		const fields = new Map((alertSettingsProperty.options ?? []).map((o) => [(o as { name: string }).name, o as { default: unknown }]));
		const defaults = DEFAULT_LAUNCH_SETTINGS.alerts as unknown as Record<string, unknown>;
		const ledgerDefault = (path: readonly string[]) => path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], defaults);
		for (const [name, path] of Object.entries(ALERT_SETTING_PATHS)) {
			const expected = name === 'paidMediums' ? (ledgerDefault(path) as string[]).join(', ') : name === 'dailyDigestHourUtc' ? -1 : name === 'liveAt' ? '' : ledgerDefault(path);
			assert.deepEqual(fields.get(name)?.default, expected, name);
		}
		assert.equal(defaults.dailyDigestHourUtc, null, '"Off" is the ledger\'s default');
		assert.equal(defaults.liveAt, null, 'empty is the ledger\'s default');
		const covered = new Set(Object.values(ALERT_SETTING_PATHS).map((p) => p.join('.')));
		for (const [key, value] of Object.entries(defaults)) {
			if (value && typeof value === 'object' && !Array.isArray(value)) {
				for (const inner of Object.keys(value)) if (inner !== 'enabled') assert.ok(covered.has(`${key}.${inner}`), `${key}.${inner} has a field`);
			} else assert.ok(covered.has(key), `${key} has a field`);
		}
	});
});

for (const driver of DRIVERS) {
	describe(`[${driver}] Waitlist Contact node: Launch Setting resource in-process`, () => {
		let db: TestDatabase;
		let ledger: Ledger;
		before(async () => {
			db = await freshDatabase(driver);
			ledger = await getLedger(db.config);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		type OnError = 'continueRegularOutput' | 'continueErrorOutput';

		function runNode(name: string, type: string, parameters: IDataObject, input: INodeExecutionData[], onError?: OnError): Promise<WorkflowRunResult> {
			return runWorkflow(actionWorkflow({ name, type, parameters, onError }), {
				trigger: { node: START, items: input },
				credentials: ledgerCredentialFor(db.config),
			});
		}

		const run = (parameters: IDataObject, input: INodeExecutionData[] = items({}), onError?: OnError) =>
			runNode(NODE, 'waitlistContact', parameters, input, onError);

		function ok(result: WorkflowRunResult, node = NODE): void {
			assert.equal(result.error(node), undefined, `node failed: ${result.error(node)?.message}`);
		}

		async function update(launch: string, settings: IDataObject): Promise<IDataObject> {
			const result = await run({ resource: 'launchSetting', operation: 'update', launch, settings });
			ok(result);
			return result.output(NODE)[0]!;
		}

		async function upsert(launch: string, parameters: IDataObject): Promise<IDataObject> {
			const result = await run({ operation: 'upsert', launch, ...parameters });
			ok(result);
			return result.output(NODE)[0]!;
		}

		it('get shows every setting of an untouched launch, with the defaults', async () => {
			const result = await run({ resource: 'launchSetting', operation: 'get', launch: '={{ $json.launch }}' }, items({ launch: 'fresh' }));
			ok(result);
			const [out] = result.output(NODE);
			assert.equal(out!.launch, 'fresh');
			assert.equal(out!.canonicalKey, 'email');
			assert.equal(out!.defaultCountry, 'US');
			assert.equal(out!.gmailNormalization, false);
			assert.equal(out!.unknownTagPolicy, 'reject');
			assert.deepEqual(out!.identifierLimits, { email: 5, phone: 3, customer_id: 1 });
			assert.deepEqual(out!.mergePolicy, { default: 'fill-empty', fields: {} });
			assert.deepEqual(out!.customized, []);
			assert.deepEqual(out!.defaults, DEFAULT_LAUNCH_SETTINGS);
			assert.equal(result.output(AFTER_DONE).length, 1);
			assert.equal(result.output(NODE, 1).length, 0);
		});

		it('update changes only what was added, records an event with the node as source, and get shows it', async () => {
			const out = await update('events', { unknownTagPolicy: 'allow' });
			assert.deepEqual(out.changes, { unknownTagPolicy: { before: 'reject', after: 'allow' } });
			assert.deepEqual(out.changedSettings, ['unknownTagPolicy']);
			assert.equal(out.canonicalKey, 'email', 'untouched settings keep their value');
			const events = await listLaunchEvents(ledger.store, 'events', { types: ['settings.updated'] });
			assert.equal(events.length, 1);
			assert.equal(events[0]!.source, `n8n:${NODE}`);
			assert.deepEqual((events[0]!.data as IDataObject).changes, { unknownTagPolicy: { before: 'reject', after: 'allow' } });

			const again = await update('events', { unknownTagPolicy: 'allow' });
			assert.deepEqual(again.changedSettings, [], 'setting the same value again changes nothing');

			const got = await run({ resource: 'launchSetting', operation: 'get', launch: 'events' });
			ok(got);
			assert.equal(got.output(NODE)[0]!.unknownTagPolicy, 'allow');
			assert.deepEqual(got.output(NODE)[0]!.customized, ['unknownTagPolicy']);
		});

		it('unknown tags → quarantine: Waitlist Tags then sends an unknown tag to Review instead of failing', async () => {
			const launch = 'tags-policy';
			const contact = await upsert(launch, { email: 'tagged@example.com' });
			const apply = { resource: 'tag', operation: 'apply', launch, contactId: contact.contactId as string, tags: 'Mystery Tag' };
			const rejected = await runNode(TAGS, 'waitlistTags', apply, items({}));
			assert.match(rejected.error(TAGS)!.message, /Mystery Tag/, 'rejected under the default policy');

			await update(launch, { unknownTagPolicy: '={{ "quarantine" }}' });
			const quarantined = await runNode(TAGS, 'waitlistTags', apply, items({}));
			ok(quarantined, TAGS);
			assert.deepEqual(quarantined.output(TAGS)[0]!.quarantined, ['mystery-tag']);
			const [reviewItem] = quarantined.output(TAGS, 1);
			assert.equal(reviewItem!.review, 'tag_quarantined');
			assert.equal(quarantined.output(AFTER_REVIEW).length, 1);
		});

		it('canonical key phone with default country GB: upsert by a local phone number, no email needed', async () => {
			const launch = 'sms-first';
			const out = await update(launch, { canonicalKey: 'phone', defaultCountry: 'gb' });
			assert.deepEqual(out.changedSettings, ['canonicalKey', 'defaultCountry']);
			assert.equal(out.defaultCountry, 'GB');
			assert.match(String(out.note), /only affects new signups/);

			const first = await upsert(launch, { phone: '020 7946 0958' });
			assert.equal(first.created, true);
			const contact = await ledger.contacts.get(first.contactId as string);
			assert.deepEqual(
				contact!.identifiers.map((i) => [i.kind, i.value]),
				[['phone', '+442079460958']],
				'read as a UK number, and no email was needed',
			);
			const second = await run({ operation: 'upsert', launch, phone: '={{ $json.phone }}', profileFields: { field: [{ name: 'first_name', value: 'Ada' }] } }, items({ phone: '+44 20 7946 0958' }));
			ok(second);
			assert.equal(second.output(NODE)[0]!.created, false);
			assert.equal(second.output(NODE)[0]!.contactId, first.contactId);
		});

		it('gmail folding: a.da+news@gmail.com and ada@gmail.com become one contact', async () => {
			const launch = 'gmail';
			const before = await upsert(launch, { email: 'a.da+news@gmail.com' });
			const separate = await upsert(launch, { email: 'ada@gmail.com' });
			assert.notEqual(separate.contactId, before.contactId, 'off by default');

			await update(launch, { gmailNormalization: true });
			const first = await upsert(launch, { email: 'gr.ace+launch@gmail.com' });
			const second = await upsert(launch, { email: 'grace@gmail.com' });
			assert.equal(second.contactId, first.contactId);
			assert.equal(second.created, false);
		});

		it('identifier limits: with one email per contact, linking a second email goes to Review', async () => {
			const launch = 'limits';
			const out = await update(launch, { emailLimit: 1, phoneLimit: '={{ "2" }}' });
			assert.deepEqual(out.identifierLimits, { email: 1, phone: 2, customer_id: 1 });
			const contact = await upsert(launch, { email: 'one@example.com' });
			const linked = await run({ operation: 'link', launch, contactId: contact.contactId as string, identifierKind: 'email', identifierValue: 'two@example.com' });
			ok(linked);
			assert.equal(linked.output(NODE).length, 0);
			assert.equal(linked.output(NODE, 1)[0]!.reason, 'identifier_limit_reached');
		});

		it('merge policy: a field set to Keep Latest Value is replaced, other fields keep Fill Empty Only', async () => {
			const launch = 'merge';
			const out = await update(launch, { fieldMergePolicies: { rule: [{ field: 'city', policy: 'last-wins' }] } });
			assert.deepEqual(out.mergePolicy, { default: 'fill-empty', fields: { city: 'last-wins' } });
			const profile = (first_name: string, city: string) => ({ email: 'move@example.com', profileFields: { field: [{ name: 'first_name', value: first_name }, { name: 'city', value: city }] } });
			await upsert(launch, profile('Ada', 'Oslo'));
			const moved = await upsert(launch, profile('Adeline', 'Bergen'));
			assert.deepEqual(moved.changedFields, ['city']);
			const contact = await ledger.contacts.get(moved.contactId as string);
			assert.deepEqual([contact!.profile.first_name, contact!.profile.city], ['Ada', 'Bergen']);

			await update(launch, { defaultMergePolicy: 'last-wins' });
			const renamed = await upsert(launch, profile('Adeline', 'Bergen'));
			assert.deepEqual(renamed.changedFields, ['first_name'], 'the launch default now lets the name change too');
		});

		it('alert settings: the monitor\'s thresholds, live time, reminders and digest change without code; alerts not chosen as off stay on', async () => {
			const launch = 'alerts';
			const result = await run({
				resource: 'launchSetting',
				operation: 'update',
				launch,
				alertSettings: { windowSeconds: 600, liveAt: '2026-03-01T09:00:00Z', dropPercent: 60, paidWithoutAccessMinutes: 5, dailyDigestHourUtc: 8, reminderHours: 2, alertsOff: ['utm_fidelity_low'], paidMediums: 'cpc, Paid_Social' },
			});
			ok(result);
			const [out] = result.output(NODE);
			assert.deepEqual(out!.changedSettings, ['alerts']);
			const alerts = (await ledger.settings.get(launch)).alerts;
			assert.deepEqual(
				{ window: alerts.windowSeconds, liveAt: alerts.liveAt, drop: alerts.ingestionDrop, access: alerts.paidWithoutAccess, digest: alerts.dailyDigestHourUtc, reminder: alerts.reminderHours, mediums: alerts.paidMediums },
				{
					window: 600,
					liveAt: Date.parse('2026-03-01T09:00:00Z'),
					drop: { ...DEFAULT_LAUNCH_SETTINGS.alerts.ingestionDrop, dropPercent: 60 },
					access: { enabled: true, maxAgeMinutes: 5 },
					digest: 8,
					reminder: 2,
					mediums: ['cpc', 'paid_social'],
				},
			);
			assert.equal(alerts.utmFidelity.enabled, false);
			assert.ok([alerts.ingestionDrop, alerts.reconciliation, alerts.deadLetters, alerts.outboxPending, alerts.refusedDeliveries].every((r) => r.enabled));
			assert.equal(alerts.reconciliation.minPercent, DEFAULT_LAUNCH_SETTINGS.alerts.reconciliation.minPercent, 'what was not added keeps the ledger\'s default');

			// "Off" for the digest and an empty live time go back to the defaults.
			ok(await run({ resource: 'launchSetting', operation: 'update', launch, alertSettings: { dailyDigestHourUtc: -1, liveAt: '' } }));
			const after = (await ledger.settings.get(launch)).alerts;
			assert.equal(after.dailyDigestHourUtc, null);
			assert.equal(after.liveAt, null);
		});

		describe('bad input', () => {
			const cases: Array<{ title: string; settings: IDataObject; alertSettings?: IDataObject; field: string; label: string; message: RegExp }> = [
				{ title: 'a country no phone can be read in', settings: { defaultCountry: 'XX' }, field: 'settings.defaultCountry', label: 'Default Phone Country', message: /"XX" is not a country/ },
				{ title: 'a country that is not two letters', settings: { defaultCountry: 'GBR' }, field: 'settings.defaultCountry', label: 'Default Phone Country', message: /two-letter/ },
				{ title: 'a limit of 0', settings: { emailLimit: '={{ 0 }}' }, field: 'settings.emailLimit', label: 'Max Emails per Contact', message: /at least 1/ },
				{
					title: 'an unknown merge policy for a field',
					settings: { fieldMergePolicies: { rule: [{ field: 'city', policy: '={{ "newest" }}' }] } },
					field: 'settings.fieldMergePolicies',
					label: 'Merge Policy per Field',
					message: /the policy for "city" must be one of/,
				},
				{ title: 'nothing to change', settings: {}, field: 'settings', label: 'Settings', message: /Add Setting/ },
				{ title: 'an alert window that does not divide an hour', settings: {}, alertSettings: { windowSeconds: 7 }, field: 'settings.alerts.windowSeconds', label: 'Window Length (Seconds)', message: /must divide an hour evenly/ },
				{
					title: 'a drop that resolves further from the baseline than it fires',
					settings: {},
					alertSettings: { resolveDropPercent: 70 },
					field: 'settings.alerts.ingestionDrop.resolveDropPercent',
					label: 'Signups Drop: Resolves Within (%)',
					message: /must be below dropPercent \(50\)/,
				},
				{ title: 'a live time that is no date', settings: {}, alertSettings: { liveAt: '={{ "soon" }}' }, field: 'settings.alerts.liveAt', label: 'Launch Went Live At', message: /must be a time/ },
			];
			for (const c of cases) {
				it(`${c.title}: a NodeOperationError naming "${c.label}"; nothing changes; with continueOnFail the error is on the item`, async () => {
					const launch = 'bad-input';
					const parameters = { resource: 'launchSetting', operation: 'update', launch, settings: c.settings, ...(c.alertSettings ? { alertSettings: c.alertSettings } : {}) };
					const failed = await run(parameters);
					const error = failed.error(NODE);
					assert.ok(error, 'the node fails');
					assert.equal(error.name, 'NodeOperationError');
					assert.match(error.message, new RegExp(`^${c.label.replace(/[()]/g, '\\$&')}: `));
					assert.match(error.message, c.message);
					assert.deepEqual(await ledger.settings.get(launch), DEFAULT_LAUNCH_SETTINGS, 'no setting was changed');

					const continued = await run(parameters, items({}), 'continueRegularOutput');
					assert.equal(continued.error(NODE), undefined);
					const [onItem] = continued.output(NODE);
					assert.equal(onItem!.field, c.field);
					assert.ok(String(onItem!.error).startsWith(`${c.label}: `), String(onItem!.error));
					assert.equal(continued.output(AFTER_DONE).length, 1, 'the run continues past the node');
				});
			}

			it('one bad item among good ones: the good ones are saved, the bad one carries its error', async () => {
				const result = await run(
					{ resource: 'launchSetting', operation: 'update', launch: '={{ $json.launch }}', settings: { defaultCountry: '={{ $json.country }}' } },
					items({ launch: 'uk', country: 'GB' }, { launch: 'nowhere', country: 'XX' }),
					'continueRegularOutput',
				);
				const [good, bad] = result.output(NODE);
				assert.equal(good!.defaultCountry, 'GB');
				assert.equal(bad!.field, 'settings.defaultCountry');
				assert.equal((await ledger.settings.get('uk')).defaultCountry, 'GB');
				assert.equal((await ledger.settings.get('nowhere')).defaultCountry, 'US');
			});
		});
	});
}
