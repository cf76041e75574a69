import { escapeHtml, svgNumber } from '../shared/page';

/**
 * A sparkline as inline SVG (no script, no image request): one path through the points in time
 * order, broken where no window was kept, with a dot on the latest value.
 */

export interface SparkPoint {
	/** Window start, epoch ms. */
	at: number;
	value: number | null;
}

export interface SparklineOptions {
	/** The time span drawn: [from, to). */
	from: number;
	to: number;
	/** Points further apart than this are not joined (a window nobody kept). */
	gapMs: number;
	/** Fixed top of the scale (100 for percentages); otherwise the largest value. */
	max?: number;
	/** What the line shows, for screen readers: "Signups per 5 min, last 24 h". */
	label: string;
	unit?: string;
	/** Shown when no point has a value, e.g. "no purchases yet". */
	emptyText?: string;
}

const WIDTH = 240;
const HEIGHT = 48;
const PAD = 3;

export function sparklineSvg(points: readonly SparkPoint[], options: SparklineOptions): string {
	const values = points.filter((p): p is { at: number; value: number } => p.value !== null && Number.isFinite(p.value));
	const top = options.max ?? Math.max(1, ...values.map((p) => p.value));
	const span = Math.max(1, options.to - options.from);
	const x = (at: number) => PAD + ((at - options.from) / span) * (WIDTH - 2 * PAD);
	const y = (value: number) => HEIGHT - PAD - (Math.min(value, top) / top) * (HEIGHT - 2 * PAD);
	// A kept window without a value (no purchase to match, say) is stepped over; a window nobody
	// kept breaks the line.
	let d = '';
	let lastAt: number | null = null;
	let joinable = false;
	for (const p of points) {
		if (lastAt !== null && p.at - lastAt > options.gapMs) joinable = false;
		lastAt = p.at;
		if (p.value === null || !Number.isFinite(p.value)) continue;
		d += `${joinable ? 'L' : 'M'}${svgNumber(x(p.at))} ${svgNumber(y(p.value))}`;
		joinable = true;
	}
	const last = values[values.length - 1];
	const unit = options.unit ?? '';
	const summary = values.length
		? `${options.label}: lowest ${Math.min(...values.map((p) => p.value))}${unit}, highest ${Math.max(...values.map((p) => p.value))}${unit}, latest ${last!.value}${unit}`
		: `${options.label}: ${options.emptyText ?? 'nothing measured yet'}`;
	// A single point has no line to draw: its dot carries it.
	const dot = last ? `<circle class="spark-dot" cx="${svgNumber(x(last.at))}" cy="${svgNumber(y(last.value))}" r="2.5"/>` : '';
	const empty = values.length ? '' : `<text class="spark-empty" x="${WIDTH / 2}" y="${HEIGHT / 2 + 4}" text-anchor="middle">${escapeHtml(options.emptyText ?? 'nothing measured yet')}</text>`;
	return `<svg class="spark" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeHtml(summary)}"><title>${escapeHtml(summary)}</title><line class="spark-axis" x1="${PAD}" y1="${HEIGHT - PAD}" x2="${WIDTH - PAD}" y2="${HEIGHT - PAD}"/>${d ? `<path class="spark-line" d="${d}"/>` : ''}${dot}${empty}</svg>`;
}
