/**
 * What n8n's editor really drew for a workflow: each node's box and each sticky note's rendered text,
 * read from the canvas DOM (n8n 2.41.1: every node is a `.vue-flow__node > [data-node-name]` element; a sticky note's
 * markdown is rendered inside its `[data-test-id=sticky]` element, its source kept in a hidden
 * textarea). Used by test/browser/templates.browser.test.ts.
 */
import type { Page } from 'playwright-core';

import { overlaps, STICKY_TYPE, type Box } from './template-lint';

export interface DrawnNode {
	name: string;
	type: string;
	box: Box;
}

export interface DrawnSticky extends DrawnNode {
	/** Rendered text outside code spans and code blocks. */
	prose: string;
	/** The markdown source n8n rendered it from. */
	source: string;
	/** The rendered text is taller than the note: the rest is cut off. */
	overflows: boolean;
}

// Runs in the page. Kept as source text: the test's TypeScript transform would add helpers
// (esbuild's __name) that do not exist in the browser.
const READ_CANVAS = `(() => {
	const stickyType = ${JSON.stringify(STICKY_TYPE)};
	const nodes = [];
	const stickies = [];
	const proseOf = (root) => {
		let text = '';
		const walk = (el) => {
			if (el.nodeType === Node.TEXT_NODE) text += el.textContent || '';
			else if (el instanceof Element && el.tagName !== 'CODE' && el.tagName !== 'PRE' && !el.classList.contains('sticky-textarea')) {
				el.childNodes.forEach(walk);
				if (/^(P|LI|H[1-6]|BR|DIV)$/.test(el.tagName)) text += '\\n';
			}
		};
		walk(root);
		return text;
	};
	for (const el of Array.from(document.querySelectorAll('.vue-flow__node > [data-node-name]'))) {
		const r = el.getBoundingClientRect();
		const base = { name: el.getAttribute('data-node-name') || '', type: el.getAttribute('data-node-type') || '', box: { x: r.x, y: r.y, width: r.width, height: r.height } };
		if (base.type !== stickyType) {
			nodes.push(base);
			continue;
		}
		const sticky = el.querySelector('[data-test-id=sticky]');
		const rendered = sticky ? Array.from(sticky.children).find((c) => !c.classList.contains('sticky-textarea')) : undefined;
		const textarea = sticky ? sticky.querySelector('textarea') : null;
		stickies.push(Object.assign(base, {
			prose: rendered ? proseOf(rendered) : '',
			source: textarea ? textarea.value : '',
			overflows: !!(sticky && rendered && rendered.scrollHeight > sticky.clientHeight + 2),
		}));
	}
	return { nodes, stickies };
})()`;

export async function readCanvas(page: Page): Promise<{ nodes: DrawnNode[]; stickies: DrawnSticky[] }> {
	return (await page.evaluate(READ_CANVAS)) as { nodes: DrawnNode[]; stickies: DrawnSticky[] };
}

/** A drawn sticky note covering a node or another sticky note (one pixel of slack for rounding). */
export function drawnOverlaps(canvas: { nodes: DrawnNode[]; stickies: DrawnSticky[] }): string[] {
	const shrink = (b: Box): Box => ({ x: b.x + 1, y: b.y + 1, width: b.width - 2, height: b.height - 2 });
	const found: string[] = [];
	canvas.stickies.forEach((sticky, i) => {
		for (const node of canvas.nodes) if (overlaps(shrink(sticky.box), shrink(node.box))) found.push(`sticky note "${sticky.name}" covers node "${node.name}"`);
		for (const other of canvas.stickies.slice(i + 1)) if (overlaps(shrink(sticky.box), shrink(other.box))) found.push(`sticky note "${sticky.name}" covers sticky note "${other.name}"`);
	});
	return found;
}

/**
 * Markers the renderer left in a sticky note's prose: any backtick, and any `*` or `_` beyond the
 * ones the source escaped on purpose (`\*`, `\_`). An underscore inside a word (utm_source) is text.
 */
export function strayMarkers(sticky: DrawnSticky): string[] {
	const problems: string[] = [];
	const escaped = (c: string) => (sticky.source.match(new RegExp(`\\\\\\${c}`, 'g')) ?? []).length;
	const word = /[\p{L}\p{N}]/u;
	const found = { '*': [] as string[], _: [] as string[], '`': [] as string[] };
	const prose = sticky.prose;
	for (let i = 0; i < prose.length; i += 1) {
		const c = prose[i]!;
		if (c !== '*' && c !== '_' && c !== '`') continue;
		if (c === '_' && word.test(prose[i - 1] ?? '') && word.test(prose[i + 1] ?? '')) continue;
		found[c].push(prose.slice(Math.max(0, i - 25), i + 25).replace(/\s+/g, ' '));
	}
	for (const c of ['*', '_'] as const) {
		if (found[c].length > escaped(c)) problems.push(`sticky note "${sticky.name}" shows a stray "${c}": ${found[c].map((s) => `…${s}…`).join(' | ')}`);
	}
	if (found['`'].length) problems.push(`sticky note "${sticky.name}" shows a stray backtick: ${found['`'].map((s) => `…${s}…`).join(' | ')}`);
	return problems;
}
