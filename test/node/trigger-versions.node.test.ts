/**
 * Both webhook triggers at node version 1 and 1.1, with the request as n8n hands it over at each:
 * at 1 n8n leaves the body to the trigger; at 1.1 n8n has read JSON, form, text/plain and XML bodies
 * into `rawBody` (gzip and deflate inflated, br not) and parsed multipart into `body.data` /
 * `body.files` with no `rawBody` left. What n8n answers itself at 1.1 (malformed JSON: 422) never
 * reaches a node, so it is checked against a real n8n in test/e2e/capture-bad-input.e2e.test.ts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync } from 'node:zlib';

import * as n8nWorkflow from 'n8n-workflow';

import { closeAllLedgers, getLedger } from '../../ledger';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { loadNodeType, runWebhook, type FakeRequest, type WorkflowJson } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { stripeSign } from '../support/purchase-signing';
import { DRIVERS, freshDatabase, type TestDatabase } from '../support/stores';

const CAPTURE = 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger';
const PURCHASE = 'n8n-nodes-waitlist-ledger.purchaseWebhookTrigger';
const TRIGGER = 'Waitlist Capture Trigger';
const launchDay = JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', 'launch-day-capture.json'), 'utf8')) as WorkflowJson;

/** The launch-day template with its trigger at `version` and its own launch. */
function captureAt(version: number, launch: string): WorkflowJson {
	return { ...launchDay, nodes: launchDay.nodes.map((n) => (n.type === CAPTURE ? { ...n, typeVersion: version, parameters: { ...n.parameters, launch } } : n)) };
}

describe('trigger versions: both load at 1 and 1.1; new nodes get what the README says', () => {
	for (const [type, defaultVersion] of [[CAPTURE, 1.1], [PURCHASE, 1]] as const) {
		it(`${type.split('.')[1]}: versions 1 and 1.1, default ${defaultVersion}, the same webhooks at both`, () => {
			const nodeType = loadNodeType(type);
			const description = nodeType.description as n8nWorkflow.INodeTypeDescription;
			assert.deepEqual(description.version, [1, 1.1]);
			assert.equal(description.defaultVersion, defaultVersion);
			const at = (v: number) => n8nWorkflow.NodeHelpers.getVersionedNodeType(nodeType, v).description.webhooks?.map((w) => [w.name, w.httpMethod]);
			assert.deepEqual(at(1.1), at(1));
		});
	}

	it('the launch-day template uses the capture trigger at 1.1; the signup and checkout templates stay at 1', () => {
		const versionIn = (file: string, type: string) => (JSON.parse(readFileSync(join(__dirname, '..', '..', 'workflows', file), 'utf8')) as WorkflowJson).nodes.find((n) => n.type === type)?.typeVersion;
		assert.equal(versionIn('launch-day-capture.json', CAPTURE), 1.1);
		assert.equal(versionIn('waitlist-signup.json', CAPTURE), 1);
		assert.equal(versionIn('checkout-to-access.json', PURCHASE), 1);
	});
});

for (const driver of DRIVERS) {
	describe(`[${driver}] capture trigger at 1 and 1.1: the same answers for what reaches it`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		for (const version of [1, 1.1]) {
			const launch = `v${String(version).replace('.', '_')}`;
			const post = (request: FakeRequest) => runWebhook(captureAt(version, launch), { node: TRIGGER, request, credentials: ledgerCredentialFor(db.config) });
			const lastRejection = async () => (await (await getLedger(db.config)).capture.rejections(launch, 1))[0];
			const contact = async (email: string) => {
				const ledger = await getLedger(db.config);
				const found = await ledger.contacts.find({ launch, kind: 'email', value: email });
				return found ? ledger.contacts.get(found.id) : undefined;
			};

			it(`v${version}: JSON sent as text/plain (a fetch without CORS preflight) is a signup; spike mode starts no run`, async () => {
				const text = JSON.stringify({ email: 'plain@example.com', first_name: 'Zoë', utm_source: 'newsletter' });
				const result = await post({ body: text, rawBody: Buffer.from(text), headers: { 'content-type': 'text/plain;charset=UTF-8' } });
				assert.equal(result.response.status, 201);
				assert.equal(result.workflow, undefined, 'the launch-day capture starts no run per signup');
				const saved = await contact('plain@example.com');
				assert.equal(saved?.profile.first_name, 'Zoë');
				assert.equal(saved?.firstTouch?.utm_source, 'newsletter');
			});

			it(`v${version}: text/plain that is not a JSON object → 400 malformed, recorded with what was sent`, async () => {
				const result = await post({ body: 'email=form@example.com', rawBody: Buffer.from('email=form@example.com'), headers: { 'content-type': 'text/plain' } });
				assert.equal(result.response.status, 400);
				const answer = result.response.body as { error: string; errors: Array<{ field: string; reason: string }> };
				assert.equal(answer.error, 'malformed');
				assert.match(answer.errors[0]!.reason, /text\/plain body must be the signup as JSON/);
				const recorded = await lastRejection();
				assert.deepEqual([recorded?.reason, recorded?.status], ['malformed', 400]);
				assert.ok(recorded?.payload?.includes('form@example.com'));
			});

			it(`v${version}: a content type n8n leaves alone at both versions → 415, recorded`, async () => {
				const result = await post({ body: 'x', rawBody: Buffer.from('{"email":"bin@example.com"}'), headers: { 'content-type': 'application/octet-stream' } });
				assert.equal(result.response.status, 415);
				assert.equal((await lastRejection())?.reason, 'unsupported_type');
			});
		}

		const post11 = (request: FakeRequest) => runWebhook(captureAt(1.1, 'v1_1'), { node: TRIGGER, request, credentials: ledgerCredentialFor(db.config) });

		it('v1.1: multipart parsed by n8n (body.data, no rawBody left) is read from n8n\'s fields', async () => {
			const result = await post11({ body: { data: { email: 'multi@example.com', first_name: 'Ada' }, files: {} }, rawBody: null, headers: { 'content-type': 'multipart/form-data; boundary=b0' } });
			assert.equal(result.response.status, 201);
			const ledger = await getLedger(db.config);
			const found = await ledger.contacts.find({ launch: 'v1_1', kind: 'email', value: 'multi@example.com' });
			assert.equal((await ledger.contacts.get(found!.id))?.profile.first_name, 'Ada');
		});

		it('v1.1: multipart with a file n8n already stored → 400 malformed naming the field, recorded', async () => {
			const result = await post11({
				body: { data: { email: 'cv@example.com' }, files: { cv: { originalFilename: 'cv.pdf', size: 3 } } },
				rawBody: null,
				headers: { 'content-type': 'multipart/form-data; boundary=b0' },
			});
			assert.equal(result.response.status, 400);
			assert.match((result.response.body as { errors: Array<{ reason: string }> }).errors[0]!.reason, /file uploads are not accepted \(field "cv"\)/);
			const recorded = (await (await getLedger(db.config)).capture.rejections('v1_1', 1))[0];
			assert.ok(recorded?.payload?.includes('cv%40example.com'), `the fields are kept: ${recorded?.payload}`);
		});

		it('v1.1: a br-compressed text/plain body (n8n reads it but inflates only gzip and deflate) is inflated here', async () => {
			const text = JSON.stringify({ email: 'brotli@example.com' });
			const result = await post11({ body: 'ignored', rawBody: brotliCompressSync(Buffer.from(text)), headers: { 'content-type': 'text/plain', 'content-encoding': 'br' } });
			assert.equal(result.response.status, 201);
		});
	});

	describe(`[${driver}] purchase trigger at 1.1: the signature is still checked over the bytes as sent`, () => {
		let db: TestDatabase;
		before(async () => {
			db = await freshDatabase(driver);
		});
		after(async () => {
			await closeAllLedgers();
			await db.drop();
		});

		const SECRET = 'whsec_versions_test';
		const workflow: WorkflowJson = {
			id: 'trigVersions0001',
			name: 'purchase trigger at 1.1',
			nodes: [{ id: 't', name: 'Purchase Webhook Trigger', type: PURCHASE, typeVersion: 1.1, position: [0, 0], webhookId: 'trig-versions', parameters: { path: 'stripe', provider: 'stripe', launch: 'default' } }],
			connections: {},
		};
		const deliver = (rawBody: string, headers: Record<string, string>) =>
			runWebhook(workflow, {
				node: 'Purchase Webhook Trigger',
				// n8n at 1.1: the parsed body beside the exact bytes (with spacing a re-serialization would lose).
				request: { body: JSON.parse(rawBody) as unknown, rawBody: Buffer.from(rawBody), headers },
				credentials: { ...ledgerCredentialFor(db.config), stripeWebhookSecretApi: { signingSecret: SECRET } },
			});

		it('a signed delivery verifies and is received; the same body re-signed by someone else is refused 401', async () => {
			const rawBody = JSON.stringify(stripe.checkoutCompleted('evt_v11_1'), null, 2);
			const ok = await deliver(rawBody, stripeSign(rawBody, SECRET).headers);
			assert.deepEqual([ok.response.status, (ok.response.body as { status: string }).status], [200, 'received']);
			const forged = await deliver(rawBody, stripeSign(rawBody, 'whsec_someone_else').headers);
			assert.deepEqual([forged.response.status, (forged.response.body as { reason: string }).reason], [401, 'bad_signature']);
		});
	});
}
