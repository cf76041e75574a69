import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEFAULT_ALERT_SETTINGS } from '../../ledger';
import { signalStatements } from '../../ledger/internal';
import { DRIVERS, freshLedger, type TestLedger } from '../support/stores';

/**
 * Every signal statement reads its tables through an index range: the cost of a snapshot follows the
 * window and the backlog, never the number of contacts. Checked with each database's own EXPLAIN:
 * SQLite must SEARCH (never SCAN) the ledger's big tables; PostgreSQL, with sequential scans priced
 * out (enable_seqscan off, so a plan still shows one only when no index can serve the query), must
 * reach them by an index scan with an index condition.
 */

/** The ledger tables that grow with the list, and the aliases the signal statements give them. */
const BIG = new Set(['contacts', 'c', 'r', 'outbox', 'o', 'd', 'access', 'a', 'purchases', 'events', 'e', 'purchase_inbox', 'capture_rejections', 'review_items', 'identifiers', 'refusal_counts', 'page_sign_in_failures', 'page_sign_in_throttle', 'abuse_flags', 'referral_credits']);
const BIG_RELATIONS = new Set(['contacts', 'outbox', 'access', 'purchases', 'events', 'purchase_inbox', 'capture_rejections', 'review_items', 'identifiers', 'refusal_counts', 'page_sign_in_failures', 'page_sign_in_throttle', 'abuse_flags', 'referral_credits']);

interface PgPlanNode {
	'Node Type': string;
	'Relation Name'?: string;
	'Index Name'?: string;
	'Index Cond'?: string;
	Plans?: PgPlanNode[];
}

/** Each scan of a big table in a PostgreSQL plan, with why it is not an index range (null when it is one). */
function pgScans(node: PgPlanNode, out: Array<{ relation: string; problem: string | null }> = []): Array<{ relation: string; problem: string | null }> {
	const relation = node['Relation Name'];
	if (relation && BIG_RELATIONS.has(relation)) {
		const type = node['Node Type'];
		if (type === 'Index Scan' || type === 'Index Only Scan') out.push({ relation, problem: node['Index Cond'] ? null : `${type} on ${node['Index Name']} without an index condition (a full index scan)` });
		else if (type === 'Bitmap Heap Scan') {
			const index = node.Plans?.find((p) => p['Node Type'] === 'Bitmap Index Scan');
			out.push({ relation, problem: index?.['Index Cond'] ? null : 'bitmap scan without an index condition' });
		} else out.push({ relation, problem: type });
	}
	for (const child of node.Plans ?? []) pgScans(child, out);
	return out;
}

for (const driver of DRIVERS) {
	describe(`[${driver}] launch monitor: every signal is an index range`, () => {
		let t: TestLedger;
		before(async () => {
			t = await freshLedger(driver);
		});
		after(async () => t.cleanup());

		it('EXPLAIN shows an index range for each statement', async () => {
			const now = Date.now();
			const statements = signalStatements({ launch: 'x', from: now - 300_000, to: now, now, paidMediums: DEFAULT_ALERT_SETTINGS.paidMediums, dialect: driver });
			assert.ok(statements.length >= 14);
			const problems: string[] = [];
			if (driver === 'sqlite') {
				for (const s of statements) {
					const plan = await t.ledger.store.query<{ detail: string }>(`EXPLAIN QUERY PLAN ${s.sql}`, s.params);
					for (const { detail } of plan) {
						const scanned = /^SCAN (\w+)/.exec(detail)?.[1];
						if (scanned && BIG.has(scanned)) problems.push(`${s.name}: ${detail}`);
					}
					assert.ok(plan.some((p) => /^SEARCH /.test(p.detail)), `${s.name} searches an index: ${plan.map((p) => p.detail).join(' | ')}`);
				}
			} else {
				await t.ledger.store.transaction(async (tx) => {
					await tx.execute('SET LOCAL enable_seqscan = off');
					for (const s of statements) {
						const [row] = await tx.query<{ 'QUERY PLAN': Array<{ Plan: PgPlanNode }> }>(`EXPLAIN (FORMAT JSON) ${s.sql}`, s.params);
						const scans = pgScans(row!['QUERY PLAN'][0]!.Plan);
						for (const scan of scans) if (scan.problem) problems.push(`${s.name}: ${scan.relation}: ${scan.problem}`);
						if (s.name !== 'kill_switch') assert.ok(scans.length > 0, `${s.name} reads a ledger table`);
					}
				});
			}
			assert.deepEqual(problems, [], 'no statement scans a whole table');
		});
	});
}
