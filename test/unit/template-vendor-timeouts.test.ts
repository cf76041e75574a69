/**
 * A vendor that accepts the connection and never answers must not hold a run for n8n's 300 s
 * default, and must not outlive the claim lease of the outbox entries the run is sending (once the
 * lease runs out, a later drain claims the same entries and sends them a second time while the first
 * call is still in flight). Read from the template JSON alone:
 * - every vendor step is an HTTP Request with a timeout well below the shortest lease; a vendor node
 *   that has no timeout option (Send Email, a Discord webhook) only in a workflow whose execution
 *   timeout bounds it;
 * - for every node that claims outbox entries, the lease is longer than the worst time the run can
 *   spend in vendor steps after the claim (timeouts × tries along the slowest path, a one-at-a-time
 *   loop counted once per entry), or the workflow's execution timeout ends the run before the lease;
 * - the failure record of a step that times out names its real timeout ("Kit timed out after 10 s").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';

import { MAX_HOLD_MS } from '../../ledger';
import { listTemplateFiles } from '../../scripts/lib/n8n-instance';

interface Node {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	retryOnFail?: boolean;
	maxTries?: number;
	waitBetweenTries?: number;
	onError?: string;
}
type Connections = Record<string, { main?: Array<Array<{ node: string }> | null> }>;
interface Template {
	nodes: Node[];
	connections: Connections;
	settings?: { executionTimeout?: number };
}

/** The longest a single vendor call may take: half the shortest lease a template uses (120 s). */
const MAX_STEP_TIMEOUT_MS = 60_000;
/** A claim node whose entry count is not a parameter (Reconcile Sweep compare) is counted at the ledger's claim limit. */
const MAX_CLAIM = 1000;

const LOCAL = new Set(['if', 'set', 'splitOut', 'switch', 'noOp', 'splitInBatches', 'respondToWebhook', 'webhook', 'scheduleTrigger', 'manualTrigger', 'formTrigger', 'form', 'stickyNote', 'merge', 'code', 'filter'].map((t) => `n8n-nodes-base.${t}`));
const HTTP = 'n8n-nodes-base.httpRequest';
const NO_TIMEOUT_OPTION = new Set(['n8n-nodes-base.emailSend', 'n8n-nodes-base.discord']);
const PACK = 'n8n-nodes-waitlist-ledger.';

const isVendorStep = (n: Node) => n.type.startsWith('n8n-nodes-base.') && !LOCAL.has(n.type);
const timeoutMs = (n: Node) => (n.parameters.options as { timeout?: unknown } | undefined)?.timeout;
const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);

/** The worst time one call of the step can take, retries included (ms); Infinity when nothing bounds it. */
function stepCost(n: Node): number {
	if (!isVendorStep(n)) return 0;
	const t = timeoutMs(n);
	if (typeof t !== 'number') return Infinity;
	const tries = n.retryOnFail ? num(n.maxTries, 3) : 1;
	return t * tries + num(n.waitBetweenTries, 1000) * (tries - 1);
}

/** Nodes that claim outbox entries: their lease (s) and how many entries one claim hands out at most. */
function claims(wf: Template): Array<{ node: Node; leaseS: number; entries: number }> {
	return wf.nodes.flatMap((n) => {
		const p = n.parameters;
		if (n.type === `${PACK}accessOutbox` && p.operation === 'claim') return [{ node: n, leaseS: num(p.leaseSeconds, 300), entries: num(p.batchSize, 100) }];
		if (n.type === `${PACK}reconcileSweep` && p.operation === 'findDueWork') return [{ node: n, leaseS: num(p.leaseSeconds, 300), entries: num(p.maxEntries, 500) }];
		if (n.type === `${PACK}reconcileSweep` && (p.operation ?? 'compare') === 'compare') return [{ node: n, leaseS: num(p.leaseSeconds, 300), entries: MAX_CLAIM }];
		// The capture trigger claims the signup's own sync entries (one per vendor) for its run, which
		// takes them over as it starts and renews the lease every RENEW_EVERY_MS while it lives, up to
		// MAX_HOLD_MS in all (ledger/outbox/keep-alive.ts): the run must end within that.
		if (n.type === `${PACK}waitlistCaptureTrigger` && p.spikeMode !== true) return [{ node: n, leaseS: MAX_HOLD_MS / 1000, entries: 1 }];
		return [];
	});
}

/**
 * The vendor time the run can still spend once `from` has run (ms): every vendor step after it, each
 * counted once — n8n runs the branches one after another, and its HTTP Request sends a node's items
 * at once, so a batch costs one call — and a Loop Over Items (splitInBatches) body once per batch of
 * `entries`.
 */
function worstAfter(wf: Template, from: string, entries: number, stopAt: ReadonlySet<string> = new Set()): number {
	const byName = new Map(wf.nodes.map((n) => [n.name, n]));
	const seen = new Set<string>();
	let total = 0;
	const visit = (name: string): void => {
		if (stopAt.has(name) || seen.has(name)) return;
		seen.add(name);
		const node = byName.get(name)!;
		const outputs = wf.connections[name]?.main ?? [];
		if (node.type === 'n8n-nodes-base.splitInBatches') {
			const rounds = Math.ceil(entries / num(node.parameters.batchSize, 1));
			const inside = new Set([...stopAt, name]);
			total += rounds * (outputs[1] ?? []).reduce((sum, c) => sum + worstAfter(wf, c.node, entries, inside), 0);
			for (const c of outputs[0] ?? []) visit(c.node);
			return;
		}
		total += stepCost(node);
		for (const output of outputs) for (const c of output ?? []) visit(c.node);
	};
	visit(from);
	return total;
}

const templates = listTemplateFiles().map((path) => ({ file: basename(path), wf: JSON.parse(readFileSync(path, 'utf8')) as Template }));

describe('templates: a vendor that never answers cannot hold a run, nor outlive a claim', () => {
	for (const { file, wf } of templates) {
		it(`${file}: every vendor step gives up after at most ${MAX_STEP_TIMEOUT_MS / 1000} s`, () => {
			const runBound = wf.settings?.executionTimeout;
			const problems = wf.nodes.filter(isVendorStep).flatMap((n) => {
				const t = timeoutMs(n);
				if (n.type !== HTTP) {
					// n8n's Send Email (SMTP) and a Discord webhook (its URL is the credential, so an HTTP Request
					// cannot use it) have no timeout option: only the workflow's execution timeout bounds them.
					return NO_TIMEOUT_OPTION.has(n.type) && typeof runBound === 'number' && runBound > 0 && runBound <= 300
						? []
						: [`"${n.name}" (${n.type}) has no timeout option: use an HTTP Request node with the same credential type`];
				}
				if (typeof t !== 'number') return [`"${n.name}" has no timeout (n8n waits 300 s)`];
				return t > MAX_STEP_TIMEOUT_MS ? [`"${n.name}" waits ${t / 1000} s`] : [];
			});
			assert.deepEqual(problems, []);
		});

		for (const claim of claims(wf)) {
			it(`${file}: "${claim.node.name}" holds its entries (${claim.leaseS} s) longer than the run can spend on vendors after it`, () => {
				const worstMs = worstAfter(wf, claim.node.name, claim.entries);
				const runBound = wf.settings?.executionTimeout;
				const bound = typeof runBound === 'number' && runBound > 0 ? Math.min(worstMs, runBound * 1000) : worstMs;
				console.log(`${file}: "${claim.node.name}" lease ${claim.leaseS} s, ${claim.entries} entries, worst vendor time after the claim ${worstMs === Infinity ? '∞' : `${worstMs / 1000} s`}${runBound ? `, run ends by ${runBound} s` : ''}`);
				assert.ok(bound < claim.leaseS * 1000, `worst ${bound / 1000} s ≥ lease ${claim.leaseS} s`);
			});
		}

		it(`${file}: a step that times out is recorded with its own timeout`, () => {
			const said = wf.nodes.flatMap((n) => [...JSON.stringify(n.parameters).matchAll(/(\w[\w ]*?) timed out after (\d+) s/g)].map((m) => ({ vendor: m[1]!.trim(), seconds: Number(m[2]) })));
			for (const { vendor, seconds } of said) {
				// The vendor's steps whose failures go on to the ledger (a listing without an error output fails the run instead).
				const steps = wf.nodes.filter((n) => n.type === HTTP && n.name.startsWith(`${vendor}:`) && n.onError);
				assert.ok(steps.length > 0, `"${vendor} timed out after ${seconds} s" names no step`);
				for (const s of steps) assert.equal(timeoutMs(s), seconds * 1000, `"${s.name}" waits ${Number(timeoutMs(s)) / 1000} s, the record says ${seconds} s`);
			}
		});
	}

	it('the checks find what they are for', () => {
		const step = (name: string, timeout?: number, extra: Partial<Node> = {}): Node => ({ name, type: HTTP, parameters: { options: timeout ? { timeout } : {} }, ...extra });
		const claim: Node = { name: 'Claim', type: `${PACK}accessOutbox`, parameters: { operation: 'claim', batchSize: 50 } };
		const loop: Node = { name: 'Loop', type: 'n8n-nodes-base.splitInBatches', parameters: { batchSize: 1 } };
		const wf: Template = {
			nodes: [claim, loop, step('Vendor: call', 10_000), step('Slow: call', undefined)],
			connections: { Claim: { main: [[{ node: 'Loop' }]] }, Loop: { main: [[], [{ node: 'Vendor: call' }]] }, 'Vendor: call': { main: [[{ node: 'Loop' }]] } },
		};
		assert.equal(worstAfter(wf, 'Claim', 50), 500_000, 'a one-at-a-time loop costs one call per entry');
		assert.equal(stepCost(step('x', 10_000, { retryOnFail: true, maxTries: 3, waitBetweenTries: 5000 })), 40_000);
		assert.equal(stepCost(step('x')), Infinity);
		assert.equal(worstAfter({ ...wf, connections: { Claim: { main: [[{ node: 'Slow: call' }]] } } }, 'Claim', 1), Infinity);
	});
});
