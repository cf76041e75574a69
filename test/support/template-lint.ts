/**
 * Layout and sticky-note checks for the template workflows, from their JSON alone (no n8n needed):
 * a sticky note must not cover a node, and its markdown must render without stray markers. The
 * browser test (test/browser/templates.browser.test.ts) checks the same on n8n's real canvas.
 *
 * Geometry: n8n draws a regular node (triggers too) as a 100 × 100 box whose top-left corner is the
 * node's position — taller with three or more outputs ((outputs + 1) × 100 / 3, measured on n8n
 * 2.41.1's canvas: a five-way Switch is 100 × 200); a sticky note is a box of its `width` × `height`
 * parameters (n8n's defaults 240 × 160) at its position. Outputs are counted from the workflow's
 * connections here (the browser test measures what n8n really draws).
 */

export const NODE_SIZE = 100;
const STICKY_DEFAULT = { width: 240, height: 160 };
export const STICKY_TYPE = 'n8n-nodes-base.stickyNote';

export interface TemplateNodeJson {
	name: string;
	type: string;
	position: [number, number];
	parameters: Record<string, unknown>;
	disabled?: boolean;
}

export interface Box {
	x: number;
	y: number;
	width: number;
	height: number;
}

export function nodeBox(node: TemplateNodeJson, outputs = 1): Box {
	if (node.type === STICKY_TYPE) {
		const width = Number(node.parameters.width ?? STICKY_DEFAULT.width);
		const height = Number(node.parameters.height ?? STICKY_DEFAULT.height);
		return { x: node.position[0], y: node.position[1], width, height };
	}
	const height = outputs >= 3 ? ((outputs + 1) * NODE_SIZE) / 3 : NODE_SIZE;
	return { x: node.position[0], y: node.position[1], width: NODE_SIZE, height };
}

/** Main outputs per node, as many as the connections name (a node's last outputs may be unconnected). */
export function outputCounts(connections: Record<string, { main?: unknown[] }> | undefined): Map<string, number> {
	return new Map(Object.entries(connections ?? {}).map(([name, c]) => [name, c.main?.length ?? 0]));
}

/** Boxes that share area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
	return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * "sticky note "X" covers node "Y"" for every sticky note that overlaps a node or another sticky note,
 * and "node "X" covers node "Y"" for nodes drawn on top of each other.
 */
export function layoutOverlaps(nodes: readonly TemplateNodeJson[], connections?: Record<string, { main?: unknown[] }>): string[] {
	const outputs = outputCounts(connections);
	const box = (n: TemplateNodeJson) => nodeBox(n, outputs.get(n.name) ?? 1);
	const stickies = nodes.filter((n) => n.type === STICKY_TYPE);
	const others = nodes.filter((n) => n.type !== STICKY_TYPE);
	const found: string[] = [];
	stickies.forEach((sticky, i) => {
		for (const node of others) if (overlaps(box(sticky), box(node))) found.push(`sticky note "${sticky.name}" covers node "${node.name}"`);
		for (const other of stickies.slice(i + 1)) if (overlaps(box(sticky), box(other))) found.push(`sticky note "${sticky.name}" covers sticky note "${other.name}"`);
	});
	others.forEach((node, i) => {
		for (const other of others.slice(i + 1)) if (overlaps(box(node), box(other))) found.push(`node "${node.name}" covers node "${other.name}"`);
	});
	return found;
}

// ── markdown ─────────────────────────────────────────────────────────────────────────────────────

const PUNCTUATION = /[!-/:-@[-`{-~\p{P}\p{S}]/u;
const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isPunct = (c: string | undefined) => c !== undefined && PUNCTUATION.test(c);

interface Delimiter {
	char: '*' | '_';
	/** Characters of this run not yet used by an emphasis. */
	count: number;
	canOpen: boolean;
	canClose: boolean;
	/** Both sides are letters or digits: an underscore there is part of a word (snake_case), never emphasis. */
	intraword: boolean;
	/** Original run length (CommonMark's "multiple of 3" rule uses it). */
	length: number;
	at: number;
}

/** Emphasis delimiter runs in one paragraph's inline text (code spans and escapes already removed). */
function delimiterRuns(text: string): Delimiter[] {
	const runs: Delimiter[] = [];
	for (let i = 0; i < text.length; ) {
		const c = text[i];
		if (c !== '*' && c !== '_') {
			i += 1;
			continue;
		}
		let j = i;
		while (text[j] === c) j += 1;
		const before = text[i - 1];
		const after = text[j];
		// CommonMark's left- and right-flanking delimiter runs.
		const left = !isSpace(after) && (!isPunct(after) || isSpace(before) || isPunct(before));
		const right = !isSpace(before) && (!isPunct(before) || isSpace(after) || isPunct(after));
		const canOpen = c === '*' ? left : left && (!right || isPunct(before));
		const canClose = c === '*' ? right : right && (!left || isPunct(after));
		const intraword = !isSpace(before) && !isPunct(before) && !isSpace(after) && !isPunct(after);
		runs.push({ char: c, count: j - i, length: j - i, canOpen, canClose, intraword, at: i });
		i = j;
	}
	return runs;
}

/** Pairs openers and closers the way CommonMark's "process emphasis" does; what is left renders as text. */
function unmatchedDelimiters(text: string): Delimiter[] {
	const runs = delimiterRuns(text);
	for (let c = 0; c < runs.length; c += 1) {
		const closer = runs[c]!;
		if (!closer.canClose) continue;
		while (closer.count > 0) {
			let o = c - 1;
			for (; o >= 0; o -= 1) {
				const opener = runs[o]!;
				if (opener.char !== closer.char || !opener.canOpen || opener.count === 0) continue;
				const bothWays = (opener.canOpen && opener.canClose) || (closer.canOpen && closer.canClose);
				if (bothWays && (opener.length + closer.length) % 3 === 0 && !(opener.length % 3 === 0 && closer.length % 3 === 0)) continue;
				break;
			}
			if (o < 0) break;
			const opener = runs[o]!;
			const used = opener.count >= 2 && closer.count >= 2 ? 2 : 1;
			opener.count -= used;
			closer.count -= used;
			// Delimiters between an opener and its closer can no longer pair across them.
			for (let k = o + 1; k < c; k += 1) runs[k]!.count = 0;
		}
	}
	return runs.filter((r) => r.count > 0 && !(r.char === '_' && r.intraword));
}

/**
 * What would render wrongly in a sticky note's markdown: unclosed code spans, broken links, and
 * `*` / `_` that render as themselves instead of emphasis (escape a literal one as `\*`, or put it in
 * a code span). Returns one message per problem, naming the line.
 */
export function markdownProblems(markdown: string): string[] {
	const problems: string[] = [];
	const lines = markdown.split('\n');
	let inFence = false;
	// Inline content is checked per paragraph: emphasis and code spans may span lines, not blocks.
	let paragraph: Array<{ text: string; line: number }> = [];
	const flush = () => {
		if (paragraph.length) problems.push(...inlineProblems(paragraph.map((p) => p.text).join('\n'), paragraph[0]!.line));
		paragraph = [];
	};
	lines.forEach((raw, index) => {
		const line = index + 1;
		if (/^\s*(```|~~~)/.test(raw)) {
			flush();
			inFence = !inFence;
			return;
		}
		if (inFence) return;
		if (raw.trim() === '') {
			flush();
			return;
		}
		// A heading or list item starts a block of its own; its marker is not inline text.
		const block = /^\s{0,3}(#{1,6}\s+|[-+*]\s+|\d+[.)]\s+|>\s?)/.exec(raw);
		if (block) {
			flush();
			paragraph.push({ text: raw.slice(block[0].length), line });
			if (block[1]!.startsWith('#')) flush();
			return;
		}
		if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(raw)) {
			flush(); // thematic break
			return;
		}
		paragraph.push({ text: raw, line });
	});
	if (inFence) problems.push('a fenced code block is never closed');
	flush();
	return problems;
}

function inlineProblems(text: string, line: number): string[] {
	const problems: string[] = [];
	const where = `line ${line}`;
	// Escaped characters render as themselves.
	let rest = text.replace(/\\[!-/:-@[-`{-~]/g, 'x');
	// Code spans: a run of N backticks is closed by the next run of exactly N.
	let out = '';
	for (let i = 0; i < rest.length; ) {
		if (rest[i] !== '`') {
			out += rest[i];
			i += 1;
			continue;
		}
		let j = i;
		while (rest[j] === '`') j += 1;
		const fence = j - i;
		let close = -1;
		for (let k = j; k < rest.length; ) {
			if (rest[k] !== '`') {
				k += 1;
				continue;
			}
			let m = k;
			while (rest[m] === '`') m += 1;
			if (m - k === fence) {
				close = k;
				break;
			}
			k = m;
		}
		if (close < 0) {
			problems.push(`${where}: a code span opened with ${'`'.repeat(fence)} is never closed`);
			return problems;
		}
		out += ' code ';
		i = close + fence;
	}
	rest = out;
	// Links: [text](url) — keep the text, drop the url; autolinks and bare URLs are not emphasis.
	rest = rest.replace(/<https?:[^>\s]*>/g, ' link ').replace(/https?:\/\/[^\s)\]]+/g, ' link ');
	rest = rest.replace(/\[([^\]\n]*)\]\(([^)\s]*)\)/g, '$1');
	if (/\]\(/.test(rest)) problems.push(`${where}: a link "[…](" is never closed with ")"`);
	const opens = (rest.match(/\[/g) ?? []).length;
	const closes = (rest.match(/\]/g) ?? []).length;
	if (opens !== closes) problems.push(`${where}: unbalanced "[" and "]"`);
	for (const stray of unmatchedDelimiters(rest)) {
		const context = rest.slice(Math.max(0, stray.at - 20), stray.at + 20).replace(/\n/g, ' ');
		problems.push(`${where}: "${stray.char.repeat(stray.length)}" renders as text, not emphasis (…${context}…); escape it (\\${stray.char}) or put it in a code span`);
	}
	return problems;
}
