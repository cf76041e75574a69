import { describeDecision, type DeskContact, type DeskItem } from '../../ledger';
import { escapeHtml } from '../shared/page';
import { reviewItemJson } from '../shared/review';

/** Small pieces of the desk's HTML; every value escaped here. */

export const when = (ms: number | null): string => (ms === null ? 'an unknown time' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** Currencies without minor units: their amounts are whole (ISO 4217). */
const ZERO_DECIMAL = new Set(['JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF', 'PYG', 'RWF']);

/** An amount in minor units, as people read it ("59.00 USD"). */
export function money(amount: number | null, currency: string | null): string {
	if (amount === null) return 'an unknown amount';
	const code = (currency ?? '').toUpperCase();
	const value = ZERO_DECIMAL.has(code) ? String(amount) : (amount / 100).toFixed(2);
	return `${value}${code ? ` ${code}` : ''}`;
}

/** A contact as a person recognises them: name, email, then the id (small). */
export function contactHtml(c: DeskContact | null, id: string | null): string {
	if (!c) return id ? `contact <code>${escapeHtml(id)}</code> (no longer in the ledger)` : '<span class="muted">nobody yet</span>';
	const name = c.name ? `<strong>${escapeHtml(c.name)}</strong> ` : '';
	const email = c.email ? escapeHtml(c.email) : '<span class="muted">no email</span>';
	const status = c.status === 'active' ? '' : ` <span class="badge">${escapeHtml(c.status)}</span>`;
	return `${name}${email}${status} <span class="muted small">· <code>${escapeHtml(c.id)}</code></span>`;
}

const KIND_WORDS: Record<string, string> = {
	purchase: 'Purchase',
	purchase_match: 'Purchase nobody matched',
	link_identifier: 'Possibly one person',
	possible_duplicate: 'Possible duplicate',
	identifier_limit: 'Identifier limit',
	access: 'Access to check',
};

export const kindWords = (kind: string): string => KIND_WORDS[kind] ?? kind.replace(/_/g, ' ');

/** What the item asks of a person, in words (the Waitlist Review node's words, with the desk's buttons). */
export function messageOf(item: DeskItem): string {
	if (item.kind === 'link_identifier') return `${String(reviewItemJson(item).message)} If they are two people, keep them apart.`;
	if (item.kind.startsWith('purchase')) {
		// The node's words name node operations; on the desk the same steps are the buttons below.
		if (item.reason === 'no_contact_match' || item.reason === 'purchase_without_contact') {
			return 'No contact has this checkout token, customer ID or email. Find the buyer under Actions and match the purchase to them: the email they paid with is linked and access is granted once.';
		}
		return describeDecision({ decision: 'review', reason: item.reason, accessState: null }).replace(
			/then run Purchase → Replay After Review( with the inbox entry ID)?\./,
			'then press Replay the delivery under Actions.',
		);
	}
	if (item.kind === 'possible_duplicate') {
		if (item.reason === 'lookalike_address') {
			return 'A new signup\'s email looks like an existing contact\'s (look-alike letters): it is another mailbox, perhaps someone imitating them. Keep them apart once you know who it is; merge only if you know it is the same person.';
		}
		return 'Two contacts have addresses that are the same once written the standard way (capitals, dots, a trailing dot). Merge them if they are one person, or keep them apart.';
	}
	return `A person must decide (${item.reason}). Use one of the actions, or dismiss it with a reason.`;
}

let fieldCounter = 0;
/** A unique id for a label/input pair on one page. */
export function fieldId(prefix: string): string {
	fieldCounter = (fieldCounter + 1) % 1_000_000;
	return `${prefix}-${fieldCounter}`;
}

/** The reason every action asks for, as a labelled single-line field. */
export function reasonField(placeholder: string): string {
	const id = fieldId('why');
	return `<label class="field" for="${id}">Why? <span class="muted small">(recorded with your name)</span></label>
<input type="text" id="${id}" name="reason" required maxlength="1000" placeholder="${escapeHtml(placeholder)}">`;
}

export const hidden = (name: string, value: string): string => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** A link to the desk with these query parameters (the page is at a relative URL: "?…" keeps the path). */
export function deskLink(params: Record<string, string | undefined>, hash = ''): string {
	const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
	return escapeHtml(`?${search}${hash}`);
}
