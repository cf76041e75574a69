import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { CaptureOptions, SignupBody, SignupSubmission, SubmitResult } from '../../ledger';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * ledger.capture.submit: one signup as the trigger read it, to accepted or refused — with every
 * refusal recorded — and capture.formContext, the hosted form's layout and signed hidden fields.
 */

const json = (fields: Record<string, unknown>): SignupBody => ({ ok: true, contentType: 'application/json', fields, raw: JSON.stringify(fields) });
const form = (fields: Record<string, string>): SignupBody => ({ ok: true, contentType: 'application/x-www-form-urlencoded', fields, raw: new URLSearchParams(fields).toString() });

type Refused = Extract<SubmitResult, { accepted: false }>;
type Accepted = Extract<SubmitResult, { accepted: true }>;

function refused(result: SubmitResult): Refused {
	assert.equal(result.accepted, false, `expected a refusal, got ${JSON.stringify(result)}`);
	return result as Refused;
}

function accepted(result: SubmitResult): Accepted {
	assert.equal(result.accepted, true, `expected an accepted signup, got ${JSON.stringify(result)}`);
	return result as Accepted;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] capture.submit and capture.formContext`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		const submit = (launch: string, body: SignupBody, options: CaptureOptions = {}, request: Partial<SignupSubmission['request']> = {}, now?: number) =>
			t.ledger.capture.submit({ launch, options, request: { body, remoteAddress: '203.0.113.9', userAgent: 'contract-test', ...request }, now });

		it('accepts a valid signup: captured with its attribution, its Origin echoed for "*", nothing recorded as refused', async () => {
			const launch = 'submit-ok';
			const result = accepted(await submit(launch, json({ email: 'ada@example.com', first_name: 'Ada', utm_source: 'newsletter' }), { allowedOrigins: ['*'] }, { origin: 'https://landing.example' }));
			assert.equal(result.result.created, true);
			assert.equal(result.signup.email, 'ada@example.com');
			assert.equal(result.allowOrigin, 'https://landing.example');
			assert.deepEqual(result.result.pendingSync.map((p) => p.kind), ['esp_sync', 'crm_sync']);
			const contact = await t.ledger.contacts.get(result.result.contactId);
			assert.deepEqual([contact?.profile.first_name, contact?.firstTouch?.utm_source], ['Ada', 'newsletter']);
			assert.deepEqual(await t.ledger.capture.rejections(launch), []);

			const again = accepted(await submit(launch, json({ email: 'ADA@example.com' })));
			assert.deepEqual([again.result.created, again.result.contactId], [false, result.result.contactId]);
		});

		it('refuses and records each kind of bad signup with its status, reason, message, field and what was sent', async () => {
			const launch = 'submit-refused';
			await t.ledger.settings.update('submit-customer-key', { canonicalKey: 'customer_id' });
			const cases: Array<{ launch?: string; body: SignupBody; status: number; reason: string; message: string; field: string; kept?: string }> = [
				{
					body: { ok: false, status: 400, reason: 'malformed', message: 'The body is not valid JSON', contentType: 'application/json', raw: '{"email": "ada@' },
					status: 400,
					reason: 'malformed',
					message: 'The request body could not be read.',
					field: 'body',
					kept: '{"email": "ada@',
				},
				{
					body: { ok: false, status: 413, reason: 'too_large', message: 'The body is 70000 bytes', contentType: 'application/json', raw: null },
					status: 413,
					reason: 'too_large',
					message: 'The request body is too large.',
					field: 'body',
				},
				{ body: json({ email: 'ada at example dot com' }), status: 422, reason: 'invalid', message: 'Some fields need fixing.', field: 'email', kept: 'ada at example dot com' },
				{ body: json({ email: 'paid@example.com', utm_medium: 'cpc' }), status: 422, reason: 'paid_without_source', message: 'Paid traffic must say where it came from.', field: 'utm_source', kept: 'paid@example.com' },
				{ body: json({ email: 'bot@example.com', website: 'http://spam.example' }), status: 400, reason: 'honeypot', message: 'This signup looked automated and was not saved.', field: 'website', kept: 'bot@example.com' },
				{ body: json({ email: 'fast@example.com', wl_ts: String(Date.now()) }), status: 400, reason: 'too_fast', message: 'The form was sent too quickly. Wait a moment and send it again.', field: 'wl_ts' },
				// Valid as a signup, but this launch matches people by customer id: the capture itself refuses it.
				{ launch: 'submit-customer-key', body: json({ email: 'nocustomer@example.com' }), status: 422, reason: 'invalid', message: 'Some fields need fixing.', field: 'customerId', kept: 'nocustomer@example.com' },
			];
			for (const c of cases) {
				const at = c.launch ?? launch;
				const result = refused(await submit(at, c.body));
				assert.deepEqual([result.status, result.reason, result.message, result.errors[0]?.field], [c.status, c.reason, c.message, c.field], c.reason);
				assert.ok(result.errors[0]?.reason, 'the field error says what to fix');
				const [recorded] = await t.ledger.capture.rejections(at, 1);
				assert.deepEqual([recorded?.id, recorded?.status, recorded?.reason, recorded?.errors[0]?.field], [result.rejectionId, c.status, c.reason, c.field]);
				assert.deepEqual([recorded?.remoteAddress, recorded?.userAgent, recorded?.contentType], ['203.0.113.9', 'contract-test', c.body.contentType]);
				if (c.kept) assert.ok(recorded?.payload?.includes(c.kept), `kept: ${recorded?.payload}`);
			}
			assert.equal((await t.ledger.capture.rejections(launch)).length, cases.length - 1);
		});

		it('refuses a website not in the allowed origins (403, recorded); a listed one is echoed, also on its refusals', async () => {
			const launch = 'submit-origin';
			const options: CaptureOptions = { allowedOrigins: ['https://mine.example'] };
			const other = refused(await submit(launch, json({ email: 'ada@example.com', utm_source: 'ads' }), options, { origin: 'https://evil.example' }));
			assert.deepEqual([other.status, other.reason, other.message, other.allowOrigin], [403, 'origin_not_allowed', 'Signups from this website are not accepted.', null]);
			assert.deepEqual(other.errors, [
				{
					field: 'origin',
					reason:
						"https://evil.example may not send signups (only https://mine.example and the hosted form are allowed); to accept this site, add https://evil.example to Allowed Origins (CORS) in the Waitlist Capture Trigger's options",
				},
			]);
			assert.equal((await t.ledger.capture.rejections(launch, 1))[0]?.reason, 'origin_not_allowed');

			// Left out: only the hosted form's own site (the signup URL's origins, which the trigger passes).
			const own = { origin: 'https://n8n.example', ownOrigins: ['https://n8n.example'] };
			assert.equal(accepted(await submit(launch, json({ email: 'hosted@example.com' }), {}, own)).allowOrigin, 'https://n8n.example');
			const unlisted = refused(await submit(launch, json({ email: 'ada@example.com' }), {}, { origin: 'https://landing.example', ownOrigins: own.ownOrigins }));
			assert.match(unlisted.errors[0]!.reason, /only the hosted form is allowed until landing-page sites are listed/);

			const mine = accepted(await submit(launch, json({ email: 'ada@example.com' }), options, { origin: 'https://mine.example' }));
			assert.equal(mine.allowOrigin, 'https://mine.example');
			const mineButInvalid = refused(await submit(launch, json({ email: 'nope' }), options, { origin: 'https://mine.example' }));
			assert.deepEqual([mineButInvalid.status, mineButInvalid.allowOrigin], [422, 'https://mine.example']);
			// No Origin header (a server calling the API): the rule does not apply.
			assert.equal(accepted(await submit(launch, json({ email: 'server@example.com' }), options)).allowOrigin, null);
		});

		it('"consent required" refuses only the hosted form\'s own posts; the consent is kept with its text', async () => {
			const launch = 'submit-consent';
			const options: CaptureOptions = { minSeconds: 0, hostedForm: { consentRequired: true, consentText: 'Email me about the launch' } };
			accepted(await submit(launch, json({ email: 'api@example.com' }), options));
			const unticked = refused(await submit(launch, form({ email: 'form@example.com', wl_form: 'hosted' }), options));
			assert.deepEqual([unticked.status, unticked.reason, unticked.message, unticked.errors[0]?.field], [422, 'consent_required', 'Please tick the consent box to join.', 'consent']);
			assert.equal((await t.ledger.capture.rejections(launch, 1))[0]?.reason, 'consent_required');
			const ticked = accepted(await submit(launch, form({ email: 'form@example.com', wl_form: 'hosted', consent: 'yes' }), options));
			const contact = await t.ledger.contacts.get(ticked.result.contactId);
			assert.deepEqual([contact?.consent.marketing, contact?.consent.marketing_text], [true, 'Email me about the launch']);
		});

		it('a refused form post comes back with what was typed and its campaign values carried in hidden fields', async () => {
			const launch = 'submit-refill';
			const result = refused(await submit(launch, form({ email: 'not-an-email', first_name: 'Ada', utm_source: 'podcast', referrer: 'https://ref.example', wl_form: 'hosted' })));
			assert.deepEqual(result.values, { email: 'not-an-email', first_name: 'Ada', utm_source: 'podcast', referrer: 'https://ref.example', wl_form: 'hosted' });
			assert.deepEqual(
				Object.entries(result.form.hidden).filter(([k]) => k !== 'wl_ts'),
				[
					['utm_source', 'podcast'],
					['referrer', 'https://ref.example'],
					['wl_form', 'hosted'],
				],
			);
			assert.deepEqual(result.form.fields.map((f) => f.name), ['first_name', 'email']);
		});

		it('formContext: fields follow the canonical key, campaign values ride along, and the signed shown-at time is honoured', async () => {
			const launch = 'form-context';
			const page = await t.ledger.capture.formContext(launch, { hostedForm: { askFirstName: false } }, { query: { utm_source: ['ig', 'x'], utm_medium: '', other: 'dropped' }, referrer: 'https://social.example/post' });
			assert.deepEqual(page.fields, [{ name: 'email', label: 'Email', type: 'email', required: true }]);
			assert.equal(page.honeypotField, 'website');
			assert.deepEqual([page.hidden.utm_source, page.hidden.referrer, page.hidden.wl_form, 'utm_medium' in page.hidden, 'other' in page.hidden], ['ig', 'https://social.example/post', 'hosted', false, false]);

			await t.ledger.settings.update('form-by-phone', { canonicalKey: 'phone' });
			const byPhone = await t.ledger.capture.formContext('form-by-phone', { honeypotField: 'nickname' });
			assert.deepEqual(byPhone.fields.map((f) => [f.name, f.required]), [['first_name', false], ['email', false], ['phone', true]]);
			assert.equal(byPhone.honeypotField, 'nickname');

			// The form's own signed time: too soon is refused, a few seconds later is fine, a forged one never.
			const shownAt = Number(page.hidden.wl_ts!.split('.')[0]);
			const post = (email: string, wlTs: string, now: number) => submit(launch, form({ email, wl_form: 'hosted', wl_ts: wlTs }), {}, {}, now);
			assert.equal(refused(await post('quick@example.com', page.hidden.wl_ts!, shownAt + 500)).reason, 'too_fast');
			accepted(await post('patient@example.com', page.hidden.wl_ts!, shownAt + 3_000));
			assert.equal(refused(await post('forger@example.com', `${shownAt - 60_000}.${'0'.repeat(32)}`, shownAt + 3_000)).reason, 'too_fast');
		});
	
		it('a hosted-form post needs a signed, unused wl_ts: missing or unsigned is refused, a replay is refused, two at once → one accepted', async () => {
			const launch = 'form-once';
			const page = await t.ledger.capture.formContext(launch, {});
			const shownAt = Number(page.hidden.wl_ts!.split('.')[0]);
			const post = (email: string, fields: Record<string, string>) => submit(launch, form({ email, wl_form: 'hosted', ...fields }), {}, {}, shownAt + 5_000);
			for (const fields of [{}, { wl_ts: '1' }] as Array<Record<string, string>>) {
				const result = refused(await post('unsigned@example.com', fields));
				assert.deepEqual([result.status, result.reason, result.errors[0]?.field], [400, 'too_fast', 'wl_ts'], JSON.stringify(fields));
			}
			const replays = [];
			for (let i = 0; i < 5; i++) replays.push(await post(`replay${i}@example.com`, { wl_ts: page.hidden.wl_ts! }));
			assert.deepEqual(replays.map((r) => r.accepted), [true, false, false, false, false]);
			const replay = refused(replays[1]!);
			assert.deepEqual([replay.status, replay.reason, replay.errors[0]?.field], [400, 'too_fast', 'wl_ts']);
			assert.match(replay.errors[0]!.reason, /already sent once/);
			assert.equal(await t.ledger.contacts.count(launch), 1);

			const other = await t.ledger.capture.formContext(launch, {}, {});
			const race = await Promise.all([post('race1@example.com', { wl_ts: other.hidden.wl_ts! }), post('race2@example.com', { wl_ts: other.hidden.wl_ts! })]);
			assert.deepEqual(race.map((r) => r.accepted).sort(), [false, true], 'the stamp\'s key lets one of two simultaneous posts through');
			assert.equal(await t.ledger.contacts.count(launch), 2);
		});
	});
}
