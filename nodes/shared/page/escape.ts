/**
 * Escaping for server-rendered pages. Every value that reaches a page goes through `escapeHtml`,
 * whether it lands between tags or inside a double- or single-quoted attribute.
 */
export function escapeHtml(value: unknown): string {
	return String(value ?? '')
		.replace(/&/g, '&amp;')
		.replace(/</g, '&lt;')
		.replace(/>/g, '&gt;')
		.replace(/"/g, '&quot;')
		.replace(/'/g, '&#39;');
}

/** A number for an SVG attribute: finite, at most two decimals (never NaN or an exponent). */
export function svgNumber(value: number): string {
	if (!Number.isFinite(value)) return '0';
	return String(Math.round(value * 100) / 100);
}
