/**
 * The vendor pieces (workflows/vendors/*.json) from their JSON alone: what the creator sees on the
 * canvas (no note covers a node, notes render, ids unique), that a silent vendor cannot hold a run
 * past its claim, and that each piece claims only its own kind of outbox work.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';

import { listTemplateFiles, PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { layoutOverlaps, markdownProblems, STICKY_TYPE, type TemplateNodeJson } from '../support/template-lint';

interface Piece {
	id: string;
	nodes: Array<TemplateNodeJson & { id: string; onError?: string }>;
	connections: Record<string, { main?: unknown[] }>;
	settings?: { executionTimeout?: number; saveDataSuccessExecution?: string };
}

const pieces = listTemplateFiles(join(PACKAGE_ROOT, 'workflows', 'vendors')).map((path) => ({ file: basename(path), wf: JSON.parse(readFileSync(path, 'utf8')) as Piece }));
const LOCAL = new Set(['if', 'set', 'splitInBatches', 'splitOut', 'merge', 'scheduleTrigger', 'stickyNote', 'noOp'].map((t) => `n8n-nodes-base.${t}`));
const KINDS: Record<string, string> = { 'esp-': 'esp_sync', 'crm-': 'crm_sync', 'access-': 'grant, revoke' };

/** An HTTP Request that reads a vendor list page by page (a list fetcher's, where n8n has no node for it). */
const isListFetch = (n: Piece['nodes'][number]) =>
	n.type === 'n8n-nodes-base.httpRequest' && n.parameters.method === 'GET' && Boolean((n.parameters.options as { pagination?: unknown } | undefined)?.pagination);

describe('vendor pieces: canvas, time bounds and the work each claims', () => {
	it('there are pieces to check', () => assert.ok(pieces.length >= 4, pieces.map((p) => p.file).join(', ')));
	for (const { file, wf } of pieces) {
		it(`${file}: no note covers a node, notes render, node ids are unique, the workflow id is 16 characters`, () => {
			assert.deepEqual(layoutOverlaps(wf.nodes, wf.connections), []);
			const notes = wf.nodes.filter((n) => n.type === STICKY_TYPE).flatMap((n) => markdownProblems(String(n.parameters.content ?? '')).map((p) => `"${n.name}" ${p}`));
			assert.deepEqual(notes, []);
			const ids = wf.nodes.map((n) => n.id);
			assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
			assert.equal(wf.id.length, 16);
		});

		it(`${file}: every vendor step sends its failure on (none stops the run), and the run ends before its claim does`, () => {
			const timeout = wf.settings?.executionTimeout;
			assert.ok(typeof timeout === 'number' && timeout > 0 && timeout <= 900, `execution timeout ${timeout}`);
			for (const n of wf.nodes.filter((x) => x.type.startsWith('n8n-nodes-base.') && !LOCAL.has(x.type))) {
				// A vendor list that cannot be fetched fails the run: half a list would look like missing people.
				if (n.parameters.operation === 'getAll' || isListFetch(n)) continue;
				assert.ok(n.onError === 'continueErrorOutput' || n.onError === 'continueRegularOutput', `"${n.name}" stops the run on an error`);
				if (n.type === 'n8n-nodes-base.httpRequest') assert.ok(Number((n.parameters.options as { timeout?: number }).timeout) <= 30_000, `"${n.name}" waits too long`);
			}
			const claims = wf.nodes.filter((n) => n.type === 'n8n-nodes-waitlist-ledger.accessOutbox' && n.parameters.operation === 'claim');
			if (file.startsWith('reconcile-')) {
				// A list fetcher claims nothing: the sweep's fixes wait in the outbox for the piece that sends that kind.
				assert.equal(claims.length, 0);
				const sweeps = wf.nodes.filter((n) => n.type === 'n8n-nodes-waitlist-ledger.reconcileSweep');
				assert.deepEqual(sweeps.map((n) => n.parameters.claimFixes), [false]);
				return;
			}
			assert.equal(claims.length, 1);
			const lease = Number(claims[0]!.parameters.leaseSeconds ?? 300);
			assert.ok(timeout! < lease, `the run may last ${timeout} s, its claim ${lease} s`);
			const prefix = Object.keys(KINDS).find((p) => file.startsWith(p));
			assert.equal(claims[0]!.parameters.kinds, prefix ? KINDS[prefix] : undefined, 'claims the kind its name says');
			assert.equal(wf.settings?.saveDataSuccessExecution, 'none', 'a run with nothing to do leaves nothing behind');
		});
	}
});
