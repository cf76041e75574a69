import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';

import nock from 'nock';
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { closeAllLedgers, getLedger, type Ledger } from '../../ledger';
import { normalizePurchaseEvent } from '../../ledger/internal';
import { PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ledgerCredentialFor } from '../support/ledger-credential';
import { runWorkflow, type WorkflowJson } from '../support/n8n-in-process';
import { stripe } from '../support/purchase-fixtures';
import { freshDatabase, type TestDatabase } from '../support/stores';

/**
 * The community-access pieces (Circle: access groups; Discord: roles) and the list fetchers that
 * hand course and community enrollments to Reconcile Sweep (Teachable, Circle, Discord). Vendor APIs
 * are faked with nock, each fake keeping its records the way the vendor does, so a repeat shows.
 */

const piece = (file: string) => JSON.parse(readFileSync(join(PACKAGE_ROOT, 'workflows', 'vendors', file), 'utf8')) as WorkflowJson;

const CIRCLE = { httpHeaderAuth: { name: 'Authorization', value: 'Bearer circle-token' } };
const TEACHABLE = { httpHeaderAuth: { name: 'apiKey', value: 'teachable-key' } };
const DISCORD = { discordBotApi: { botToken: 'discord-bot-token' } };

type Reply = [number, unknown, Record<string, string>?];
type Script = (method: string, path: string) => Reply | null;

/**
 * Circle's Admin API v2: community members (create answers 422 to an email already there), access
 * group members (add is a set insert; remove answers 404 for someone not in the group), and the
 * access group's member list in pages ({page, per_page, has_next_page, count, records}).
 */
function fakeCircle(script: Script = () => null) {
	const community = new Map<string, { id: number; email: string; name: string }>();
	const groups = new Map<string, Set<string>>();
	const calls: string[] = [];
	const pages: string[] = [];
	const api = nock('https://app.circle.so').matchHeader('authorization', 'Bearer circle-token');
	const answer = (method: string, path: string, ok: () => Reply) => {
		calls.push(`${method} ${path}`);
		return script(method, path) ?? ok();
	};
	api.post('/api/admin/v2/community_members').reply(async (request: unknown) => {
		const body = JSON.parse(await (request as Request).text()) as { email: string; name: string };
		return answer('POST', `/community_members ${body.email}`, () => {
			const key = body.email.toLowerCase();
			if (community.has(key)) return [422, { success: false, message: 'Email has already been taken' }];
			const member = { id: 900 + community.size + 1, email: body.email, name: body.name };
			community.set(key, member);
			return [201, { message: 'Member invited', community_member: member }];
		});
	}).persist();
	api.post(/^\/api\/admin\/v2\/access_groups\/\d+\/community_members$/).reply(async (request: unknown) => {
		const r = request as Request;
		const group = new URL(r.url).pathname.split('/')[5]!;
		const body = JSON.parse(await r.text()) as { email: string };
		return answer('POST', `/access_groups/${group} ${body.email}`, () => {
			if (!community.has(body.email.toLowerCase())) return [404, { success: false, message: 'Community member not found' }];
			groups.set(group, (groups.get(group) ?? new Set()).add(body.email.toLowerCase()));
			return [200, { success: true, message: 'Member added to access group' }];
		});
	}).persist();
	api.delete(/^\/api\/admin\/v2\/access_groups\/\d+\/community_members/).query(true).reply((request: unknown) => {
		const url = new URL((request as Request).url);
		const group = url.pathname.split('/')[5]!;
		const email = String(url.searchParams.get('email')).toLowerCase();
		return answer('DELETE', `/access_groups/${group} ${email}`, () =>
			groups.get(group)?.delete(email) ? [200, { success: true, message: 'Member removed from access group' }] : [404, { success: false, message: 'Member is not in this access group' }],
		);
	}).persist();
	api.get(/^\/api\/admin\/v2\/access_groups\/\d+\/community_members/).query(true).reply((request: unknown) => {
		const url = new URL((request as Request).url);
		const group = url.pathname.split('/')[5]!;
		const page = Number(url.searchParams.get('page') ?? 1);
		const perPage = Number(url.searchParams.get('per_page') ?? 60);
		pages.push(`${group}:${page}`);
		const all = [...(groups.get(group) ?? [])].map((email) => community.get(email)!);
		const records = all.slice((page - 1) * perPage, page * perPage).map((m) => ({ id: m.id, email: m.email, name: m.name }));
		return [200, { page, per_page: perPage, has_next_page: page * perPage < all.length, count: all.length, page_count: Math.ceil(all.length / perPage), records }];
	}).persist();
	return { community, groups, calls, pages };
}

const GUILD = '197038439483310086';
const ROLE = '483310086197038439';

/**
 * Discord's API v10 as n8n's Discord node calls it: add / remove a member's role (204 again on a
 * repeat; 404 Unknown Member for someone not in the server) and the guild's members in pages of
 * `limit` after the user ID `after` (an empty page at the end).
 */
function fakeDiscord(script: Script = () => null) {
	const members = new Map<string, Set<string>>();
	const calls: string[] = [];
	const pages: string[] = [];
	const api = nock('https://discord.com').matchHeader('authorization', 'Bot discord-bot-token');
	const roleCall = (method: string) => (request: unknown) => {
		const [, , , , guild, , user, , role] = new URL((request as Request).url).pathname.split('/');
		const call = `${method} ${guild}/${user}/${role}`;
		calls.push(call);
		const scripted = script(method, call);
		if (scripted) return scripted;
		const roles = members.get(user!);
		if (!roles) return [404, { message: 'Unknown Member', code: 10007 }];
		if (method === 'PUT') roles.add(role!);
		else roles.delete(role!);
		return [204, ''];
	};
	api.put(/^\/api\/v10\/guilds\/\d+\/members\/\d+\/roles\/\d+$/).reply(roleCall('PUT')).persist();
	api.delete(/^\/api\/v10\/guilds\/\d+\/members\/\d+\/roles\/\d+$/).reply(roleCall('DELETE')).persist();
	api.get(/^\/api\/v10\/guilds\/\d+\/members/).query(true).reply((request: unknown) => {
		const q = new URL((request as Request).url).searchParams;
		const after = BigInt(q.get('after') ?? '0');
		pages.push(q.get('after') ?? 'start');
		const page = [...members.keys()].map(BigInt).filter((id) => id > after).sort((a, b) => (a < b ? -1 : 1)).slice(0, Number(q.get('limit') ?? 1));
		return [200, page.map((id) => ({ user: { id: String(id), username: `user${id}` }, roles: [...members.get(String(id))!], joined_at: '2026-11-01T10:00:00Z' }))];
	}).persist();
	return { members, calls, pages };
}

/** A Discord piece with the creator's server and role filled in (step 2 of its note). */
function discordPiece(file: string): WorkflowJson {
	const wf = piece(file);
	wf.nodes.find((n) => n.name === 'Your Discord server')!.parameters.jsonOutput = JSON.stringify({ guildId: GUILD, roles: { course: ROLE } });
	return wf;
}

describe('[sqlite] community access pieces and enrollment list fetchers in-process (vendor APIs faked with nock)', () => {
	let db: TestDatabase;
	let ledger: Ledger;
	const launch = 'default';
	before(() => nock.disableNetConnect());
	beforeEach(async () => {
		db = await freshDatabase('sqlite');
		ledger = await getLedger(db.config);
	});
	afterEach(async () => {
		nock.cleanAll();
		await closeAllLedgers();
		await db.drop();
	});
	after(() => nock.enableNetConnect());

	const run = async (wf: WorkflowJson, credentials: Record<string, ICredentialDataDecryptedObject>) => {
		const trigger = wf.nodes.some((n) => n.name === 'Every hour') ? 'Every hour' : 'Every minute';
		const result = await runWorkflow(wf, { trigger: { node: trigger, items: [{ json: {} }] }, credentials: { ...ledgerCredentialFor(db.config), ...credentials } });
		assert.equal(result.run.data.resultData.error, undefined, JSON.stringify(result.run.data.resultData.error));
		return result;
	};
	/** Makes every failed entry due now (a claim an hour ahead, then a release now), as if its wait were over. */
	const makeDue = async (kinds: string) => {
		const claimed = await ledger.outbox.claim({ launch, kinds, limit: 100, leaseMs: 60_000, workerId: 'clock', now: Date.now() + 3_600_000 });
		await ledger.outbox.release(launch, claimed.map((e) => ({ id: e.id, claimToken: e.claimToken })));
	};
	const accessWork = async (email: string, kind = 'grant', key = `${kind}:${email}`, productId = 'course') => {
		const contactId = (await ledger.contacts.upsert({ launch, email, fields: { first_name: 'Ada' } })).contactId;
		return (await ledger.outbox.enqueue({ launch, kind, idempotencyKey: key, contactId, payload: { productId } })).id;
	};
	/** Bob paid for the course and was refunded: the ledger owes him no access. */
	const refundedBuyer = async (email: string) => {
		await ledger.purchases.defineProduct({ launch, productId: 'course' });
		await ledger.contacts.upsert({ launch, email });
		await ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.checkoutCompleted(`evt_${email}`, { email, customer: `cus_${email}`, order: `pi_${email}` })));
		await ledger.purchases.apply(launch, normalizePurchaseEvent('stripe', stripe.chargeRefunded(`evt_${email}_r`, { order: `pi_${email}`, customer: `cus_${email}` })), { revokeAfterMs: 0 });
		// The refund's own revoke is not what this test is about: it was delivered.
		for (const entry of await ledger.outbox.list({ launch, kinds: 'grant, revoke' })) await ledger.store.execute(`UPDATE outbox SET status = 'done' WHERE id = $1`, [entry.id]);
	};
	const sweepReport = (result: Awaited<ReturnType<typeof run>>) => result.output('Reconcile Sweep: compare', 1)[0] as IDataObject & { compared: IDataObject; systems: Record<string, IDataObject> };

	describe('Circle (access-circle.json, HTTP Request on Circle\'s Admin API v2)', () => {
		const circlePiece = () => piece('access-circle.json');

		it('first grant: invited and added to the mapped access group; a repeat grant and a revoke change the one membership, in order; a revoke for a stranger is done', async () => {
			const first = await accessWork('ada@example.com');
			const fake = fakeCircle();
			await run(circlePiece(), CIRCLE);
			assert.deepEqual(fake.calls, ['POST /community_members ada@example.com', 'POST /access_groups/12345 ada@example.com']);
			assert.deepEqual([(await ledger.outbox.get(first))?.status, (await ledger.outbox.get(first))?.responseId], ['done', 'circle access group 12345']);
			const again = await accessWork('ada@example.com', 'grant', 'grant:again');
			const revoke = await accessWork('ada@example.com', 'revoke');
			const nobody = await accessWork('nobody@example.com', 'revoke');
			fake.calls.length = 0;
			await run(circlePiece(), CIRCLE);
			assert.deepEqual(fake.calls, [
				'POST /community_members ada@example.com',
				'POST /access_groups/12345 ada@example.com',
				'DELETE /access_groups/12345 ada@example.com',
				'DELETE /access_groups/12345 nobody@example.com',
			]);
			assert.deepEqual([fake.community.size, [...(fake.groups.get('12345') ?? [])]], [1, []], 'one member; added once, then removed');
			assert.deepEqual(
				await Promise.all([again, revoke, nobody].map(async (id) => [(await ledger.outbox.get(id))?.status, (await ledger.outbox.get(id))?.responseId])),
				[['done', 'circle access group 12345'], ['done', 'circle access group 12345'], ['done', 'circle access group 12345: was not a member']],
			);
		});

		it('429 with Retry-After: failed and retried no sooner; 500 then success; a product without an access group: dead, naming it', async () => {
			const limited = await accessWork('ada@example.com');
			const unknown = await accessWork('bob@example.com', 'grant', 'grant:coaching', 'coaching');
			let adds = 0;
			const fake = fakeCircle((method, path) => {
				if (method === 'POST' && path.startsWith('/access_groups/') && ++adds === 1) return [429, { message: 'Rate limit exceeded' }, { 'Retry-After': '30' }];
				if (method === 'POST' && path.startsWith('/access_groups/') && adds === 2) return [500, { message: 'Internal server error' }];
				return null;
			});
			const before = Date.now();
			await run(circlePiece(), CIRCLE);
			let entry = await ledger.outbox.get(limited);
			assert.equal(entry?.status, 'failed');
			assert.match(entry?.lastError ?? '', /^Circle answered 429: .*Rate limit exceeded/);
			assert.ok(entry!.nextAttemptAt >= before + 30_000, `retried in ${(entry!.nextAttemptAt - before) / 1000} s`);
			const dead = await ledger.outbox.get(unknown);
			assert.deepEqual([dead?.status, dead?.lastError], ['dead', 'No Circle access group for product "coaching": add it to "Your Circle access groups"']);
			assert.ok(!fake.calls.some((c) => c.includes('bob@')), 'nothing sent for a product without an access group');
			await makeDue('grant');
			await run(circlePiece(), CIRCLE);
			assert.match((await ledger.outbox.get(limited))?.lastError ?? '', /^Circle answered 500/);
			await makeDue('grant');
			await run(circlePiece(), CIRCLE);
			entry = await ledger.outbox.get(limited);
			assert.deepEqual([entry?.status, entry?.attempts, fake.community.size, [...(fake.groups.get('12345') ?? [])]], ['done', 3, 1, ['ada@example.com']]);
		});

		it('list fetch for reconciliation (reconcile-circle.json): every page of the access group to the end; a refunded member gets one revoke', async () => {
			await refundedBuyer('bob@example.com');
			const fake = fakeCircle();
			const emails = Array.from({ length: 230 }, (_, i) => `member${i}@example.com`);
			emails.splice(117, 0, 'bob@example.com');
			fake.groups.set('12345', new Set(emails));
			emails.forEach((email, i) => fake.community.set(email, { id: 5000 + i, email, name: '' }));
			const result = await run(piece('reconcile-circle.json'), CIRCLE);
			assert.deepEqual(fake.pages, ['12345:1', '12345:2', '12345:3'], 'three pages of 100, then it stopped');
			const report = sweepReport(result);
			assert.deepEqual([report.compared.delivery, report.systems.delivery!.revokes, report.systems.delivery!.unknownInLedger], [231, 1, 230]);
			const revokes = await ledger.outbox.list({ launch, kinds: 'revoke', statuses: ['pending'] });
			assert.deepEqual(revokes.map((r) => [r.idempotencyKey.startsWith('reconcile:revoke:'), (r.payload as IDataObject).productId]), [[true, 'course']]);
			await run(piece('reconcile-circle.json'), CIRCLE);
			assert.equal((await ledger.outbox.list({ launch, kinds: 'revoke', statuses: ['pending'] })).length, 1, 'one revoke however often it runs');
		});
	});

	describe('Discord (access-discord.json, n8n\'s Discord node: Member → Add Role / Remove Role)', () => {
		const linked = async (email: string, discordId: string) => {
			const { contactId } = await ledger.contacts.upsert({ launch, email });
			await ledger.contacts.link({ launch, contactId, kind: 'ext:discord', value: discordId });
			return contactId;
		};

		it('first grant: the role for the linked Discord ID; a repeat grant and a revoke change the one role, in order; without a Discord ID a grant is dead, a revoke done', async () => {
			await linked('ada@example.com', '111');
			await linked('gone@example.com', '222');
			const fake = fakeDiscord();
			fake.members.set('111', new Set());
			const first = await accessWork('ada@example.com');
			await run(discordPiece('access-discord.json'), DISCORD);
			assert.deepEqual(fake.calls, [`PUT ${GUILD}/111/${ROLE}`]);
			assert.deepEqual([...fake.members.get('111')!], [ROLE]);
			assert.deepEqual([(await ledger.outbox.get(first))?.status, (await ledger.outbox.get(first))?.responseId], ['done', `discord role ${ROLE} for user 111`]);

			const again = await accessWork('ada@example.com', 'grant', 'grant:again');
			const revoke = await accessWork('ada@example.com', 'revoke');
			const left = await accessWork('gone@example.com', 'revoke');
			const noIdGrant = await accessWork('noid@example.com');
			const noIdRevoke = await accessWork('noid@example.com', 'revoke');
			fake.calls.length = 0;
			await run(discordPiece('access-discord.json'), DISCORD);
			assert.deepEqual(fake.calls, [`PUT ${GUILD}/111/${ROLE}`, `DELETE ${GUILD}/111/${ROLE}`, `DELETE ${GUILD}/222/${ROLE}`]);
			assert.deepEqual([...fake.members.get('111')!], [], 'given once, then taken');
			const states = await Promise.all([again, revoke, left, noIdGrant, noIdRevoke].map((id) => ledger.outbox.get(id)));
			assert.deepEqual(
				states.map((e) => [e?.status, e?.responseId ?? e?.lastError]),
				[
					['done', `discord role ${ROLE} for user 111`],
					['done', `discord role ${ROLE} for user 111`],
					['done', `discord role ${ROLE} for user 222: not in the server`],
					['dead', 'No Discord user ID linked to this contact: link it as ext:discord (Waitlist Contact → Link Identifier), then retry the entry from the dead letter'],
					['done', 'no Discord ID linked: nothing to revoke'],
				],
			);
		});

		it('429 with Retry-After: failed, not retried before 5 s (n8n\'s node passes Discord\'s message on, not its Retry-After); 500 then success: one role', async () => {
			await linked('bob@example.com', '333');
			let calls = 0;
			const fake = fakeDiscord(() => {
				calls += 1;
				if (calls === 1) return [429, { message: 'You are being rate limited.', retry_after: 1.5, global: false }, { 'Retry-After': '2' }];
				return calls === 2 ? [500, { message: 'Internal Server Error', code: 0 }] : null;
			});
			fake.members.set('333', new Set());
			const bob = await accessWork('bob@example.com');
			const before = Date.now();
			await run(discordPiece('access-discord.json'), DISCORD);
			let entry = await ledger.outbox.get(bob);
			assert.deepEqual([entry?.status, entry?.lastError], ['failed', 'Discord: You are being rate limited.'], 'an error on the node\'s regular output is not taken for done');
			assert.ok(entry!.nextAttemptAt >= before + 5_000, `retried in ${(entry!.nextAttemptAt - before) / 1000} s`);
			await run(discordPiece('access-discord.json'), DISCORD);
			assert.equal(calls, 1, 'not due yet: nothing sent');
			await makeDue('grant');
			await run(discordPiece('access-discord.json'), DISCORD);
			entry = await ledger.outbox.get(bob);
			assert.equal(entry?.status, 'failed');
			assert.match(entry?.lastError ?? '', /^Discord: /);
			await makeDue('grant');
			await run(discordPiece('access-discord.json'), DISCORD);
			entry = await ledger.outbox.get(bob);
			assert.deepEqual([entry?.status, entry?.attempts, [...fake.members.get('333')!]], ['done', 3, [ROLE]]);
		});

		it('list fetch for reconciliation (reconcile-discord.json): every page of members to the end; a refunded buyer still holding the role gets one revoke; unlinked members are left out', async () => {
			await refundedBuyer('bob@example.com');
			const bob = (await ledger.contacts.find({ launch, kind: 'email', value: 'bob@example.com' }))!.id;
			await ledger.contacts.link({ launch, contactId: bob, kind: 'ext:discord', value: '100150' });
			await linked('ada@example.com', '100020');
			const fake = fakeDiscord();
			for (let i = 0; i < 250; i++) fake.members.set(String(100000 + i), new Set(i % 10 === 0 ? [ROLE] : []));
			fake.members.set('100150', new Set([ROLE, '999']));
			fake.members.set('100020', new Set([ROLE]));
			const result = await run(discordPiece('reconcile-discord.json'), DISCORD);
			assert.deepEqual(fake.pages, ['start', '100099', '100199', '100249'], 'pages of 100 after the last user ID, until an empty one');
			assert.equal(result.output('Not linked: left out').length, 23, 'role holders linked to no contact');
			const report = sweepReport(result);
			assert.deepEqual([report.compared.delivery, report.systems.delivery!.revokes], [2, 1]);
			const revokes = await ledger.outbox.list({ launch, kinds: 'revoke', statuses: ['pending'] });
			assert.deepEqual(revokes.map((r) => [r.contactId, (r.payload as IDataObject).productId]), [[bob, 'course']]);
		});
	});
	describe('Teachable list fetch (reconcile-teachable.json): enrollments per course and the school\'s users, joined by user ID', () => {
		it('every page of both lists to the end; each enrollment reaches the sweep with its email and product; a refunded student gets one revoke', async () => {
			await refundedBuyer('bob@example.com');
			const users = Array.from({ length: 150 }, (_, i) => ({ id: 700 + i, email: i === 42 ? 'bob@example.com' : `student${i}@example.com`, name: `Student ${i}` }));
			const enrolled = users.filter((_, i) => i % 5 !== 1); // 120 of the 150, Bob among them
			const pages: string[] = [];
			const api = nock('https://developers.teachable.com').matchHeader('apikey', 'teachable-key');
			const paged = (what: string, list: unknown[], request: unknown) => {
				const q = new URL((request as Request).url).searchParams;
				const page = Number(q.get('page') ?? 1);
				const per = Number(q.get('per') ?? 20);
				pages.push(`${what}:${page}`);
				const meta = { total: list.length, page, from: (page - 1) * per + 1, to: Math.min(page * per, list.length), per_page: per, number_of_pages: Math.ceil(list.length / per) };
				return { items: list.slice((page - 1) * per, page * per), meta };
			};
			api.get('/v1/users').query(true).reply((request: unknown) => {
				const { items, meta } = paged('users', users, request);
				return [200, { users: items, meta }];
			}).persist();
			api.get('/v1/courses/1234567/enrollments').query(true).reply((request: unknown) => {
				const list = enrolled.map((u) => ({ user_id: u.id, enrolled_at: '2026-11-01T10:00:00Z', completed_at: null, percent_complete: 0, expires_at: null }));
				const { items, meta } = paged('enrollments', list, request);
				return [200, { enrollments: items, meta }];
			}).persist();
			const result = await run(piece('reconcile-teachable.json'), TEACHABLE);
			assert.deepEqual(pages.filter((p) => p.startsWith('users')), ['users:1', 'users:2']);
			assert.deepEqual(pages.filter((p) => p.startsWith('enrollments')), ['enrollments:1', 'enrollments:2']);
			const records = result.output('Enrollment record');
			assert.equal(records.length, 120);
			assert.deepEqual(records.find((r) => r.email === 'bob@example.com'), { email: 'bob@example.com', productId: 'course', id: '742:course' });
			const report = sweepReport(result);
			assert.deepEqual([report.compared.delivery, report.systems.delivery!.revokes, report.systems.delivery!.invalid], [120, 1, 0]);
			assert.equal((await ledger.outbox.list({ launch, kinds: 'revoke', statuses: ['pending'] })).length, 1);
		});
	});
});
