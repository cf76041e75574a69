import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, it } from 'node:test';

import { listTemplateFiles } from '../../scripts/lib/n8n-instance';
import { layoutOverlaps, markdownProblems, STICKY_TYPE, type TemplateNodeJson } from '../support/template-lint';

interface Template {
	name: string;
	nodes: TemplateNodeJson[];
	connections: Record<string, { main?: unknown[] }>;
	settings?: Record<string, unknown>;
}

const templates = listTemplateFiles().map((path) => ({ file: basename(path), wf: JSON.parse(readFileSync(path, 'utf8')) as Template }));

describe('template layout: what a creator sees on the canvas', () => {
	for (const { file, wf } of templates) {
		it(`${file}: no sticky note covers a node or another note, no node covers another`, () => {
			assert.deepEqual(layoutOverlaps(wf.nodes, wf.connections), []);
		});
		it(`${file}: every node has an id of its own (n8n refuses to import a workflow with a duplicate)`, () => {
			const ids = wf.nodes.map((n) => (n as { id?: string }).id);
			assert.deepEqual(
				ids.filter((id, i) => ids.indexOf(id) !== i),
				[],
			);
		});
		it(`${file}: every sticky note's markdown renders (no stray * or _, closed code spans and links)`, () => {
			const problems = wf.nodes.filter((n) => n.type === STICKY_TYPE).flatMap((n) => markdownProblems(String(n.parameters.content ?? '')).map((p) => `"${n.name}" ${p}`));
			assert.deepEqual(problems, []);
		});
	}

	it('the checks find what they are for', () => {
		const sticky = (name: string, position: [number, number], width = 240, height = 160): TemplateNodeJson => ({ name, type: STICKY_TYPE, position, parameters: { content: '', width, height } });
		const node = (name: string, position: [number, number]): TemplateNodeJson => ({ name, type: 'n8n-nodes-base.noOp', position, parameters: {} });
		assert.deepEqual(layoutOverlaps([sticky('Note', [0, 0]), node('Inside', [200, 100]), node('Beside', [240, 0])]), ['sticky note "Note" covers node "Inside"']);
		assert.deepEqual(layoutOverlaps([sticky('A', [0, 0]), sticky('B', [100, 100])]), ['sticky note "A" covers sticky note "B"']);
		// A five-way Switch is drawn 200 high: a node 120 below its top is covered.
		assert.deepEqual(layoutOverlaps([node('Switch', [0, 0]), node('Below', [0, 120])], { Switch: { main: [[], [], [], [], []] } }), ['node "Switch" covers node "Below"']);
		assert.match(markdownProblems('**Allow source-* tags** registers it')[0] ?? '', /renders as text/);
		assert.deepEqual(markdownProblems('**Allow source-\\* tags**, `source-*`, utm_source, *emphasis* and **bold**'), []);
		assert.match(markdownProblems('Stripe ids start with prod_…')[0] ?? '', /"_" renders as text/);
		assert.match(markdownProblems('run `npm start')[0] ?? '', /code span .* never closed/);
		assert.match(markdownProblems('see [the docs](https://example.com')[0] ?? '', /never closed/);
		assert.deepEqual(markdownProblems('- item one\n- **item** two\n\n## Heading with *emphasis*'), []);
	});
});

describe('schedule templates: a run with nothing to do leaves nothing in the executions list', () => {
	// n8n 2.41.1 deletes a finished production run whose status is success when the workflow's
	// saveDataSuccessExecution is "none" (execution-lifecycle-hooks); failed runs stay.
	for (const file of ['outbox-drain.json', 'scheduled-reconciliation.json', 'checkout-to-access.json', 'checkout-to-access-lemonsqueezy-thinkific.json']) {
		it(`${file}: successful runs are not kept, failed runs are`, () => {
			const { wf } = templates.find((t) => t.file === file)!;
			assert.equal(wf.settings?.saveDataSuccessExecution, 'none');
			assert.equal(wf.settings?.saveDataErrorExecution, 'all');
		});
	}
});
