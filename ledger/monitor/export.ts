import { LedgerInputError } from '../errors';
import { inList, type SqlExecutor, type SqlValue } from '../store';
import { validateLaunch } from './snapshots';

/**
 * The contacts of a launch as CSV with their first- and last-touch UTMs — the launch playbook's
 * "export subscriber CSVs to verify fields". Streamed: contacts are read a page at a time by
 * (launch, id), so 100k contacts export without being held in memory; each yielded string holds
 * up to 100 lines (the header alone first).
 *
 * Cells are quoted per RFC 4180 when they need it, and a cell a spreadsheet would read as a formula
 * (starting with = or @, a tab or a carriage return, or + / - followed by more than a number) gets a
 * leading apostrophe.
 */

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

/** Profile fields exported by default: the capture trigger's default profile fields. */
export const DEFAULT_EXPORT_FIELDS = ['first_name', 'last_name', 'name', 'company', 'country'];

export interface ExportContactsInput {
	launch: string;
	/** Profile fields, one column each, after the fixed columns. */
	fields?: string[];
	/** Include contacts of dry runs (is_test); default false. */
	includeTest?: boolean;
	/** Contacts read per page; 1–5000, default 1000. Each chunk yielded holds at most 100 lines. */
	pageSize?: number;
}

export const EXPORT_COLUMNS = [
	'contact_id',
	'email',
	'phone',
	'status',
	'created_at',
	...UTM_KEYS.map((k) => `first_${k}`),
	'first_touch_at',
	...UTM_KEYS.map((k) => `last_${k}`),
	'last_touch_at',
	'consent_marketing',
	'tags',
	'is_test',
] as const;

export function csvCell(value: unknown): string {
	if (value === null || value === undefined) return '';
	let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
	// A phone number (+14155552671) or a plain signed number cannot run anything; any other text
	// starting with + or - can (+cmd|…), as can = and @.
	if (/^[=@\t\r]/.test(text) || (/^[+-]/.test(text) && !/^[+-][\d\s().-]*$/.test(text))) text = `'${text}`;
	return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows per yielded chunk (a page is read at once; its text goes out in smaller pieces). */
const CHUNK_ROWS = 100;

export const csvLine = (cells: readonly unknown[]): string => `${cells.map(csvCell).join(',')}\r\n`;

type ExportRow = { id: string; email: string | null; phone: string | null; status: string; created_at: number; profile: string; first_touch: string | null; last_touch: string | null; consent: string | null; is_test: number };

const iso = (at: unknown) => (typeof at === 'number' && Number.isFinite(at) ? new Date(at).toISOString() : '');

function parse(text: string | null): Record<string, unknown> {
	if (!text) return {};
	try {
		const value = JSON.parse(text) as unknown;
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

/** The CSV of a launch's active contacts (merged-away and forgotten ones are not people any more), in id order. */
export async function* exportContactsCsv(tx: SqlExecutor, input: ExportContactsInput): AsyncGenerator<string> {
	const launch = validateLaunch(input.launch);
	const fields = input.fields ?? DEFAULT_EXPORT_FIELDS;
	if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string' || f.trim() === '')) {
		throw new LedgerInputError('fields', 'must be a list of profile field names such as ["first_name", "company"]');
	}
	const pageSize = input.pageSize ?? 1000;
	if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 5000) throw new LedgerInputError('pageSize', `must be a whole number from 1 to 5000; got ${JSON.stringify(input.pageSize)}`);
	const testFilter = input.includeTest ? '' : ' AND is_test = 0';
	yield csvLine([...EXPORT_COLUMNS, ...fields]);
	let after = '';
	for (;;) {
		const page = await tx.query<ExportRow>(
			`SELECT id, email, phone, status, created_at, profile, first_touch, last_touch, consent, is_test FROM contacts
			 WHERE launch = $1 AND id > $2 AND status = 'active'${testFilter} ORDER BY id LIMIT $3`,
			[launch, after, pageSize],
		);
		if (page.length === 0) return;
		const params: SqlValue[] = [];
		const tagRows = await tx.query<{ contact_id: string; tag: string }>(
			`SELECT contact_id, tag FROM contact_tags WHERE contact_id IN (${inList(page.map((r) => r.id), params)}) ORDER BY contact_id, tag`,
			params,
		);
		const tags = new Map<string, string[]>();
		for (const t of tagRows) (tags.get(t.contact_id) ?? tags.set(t.contact_id, []).get(t.contact_id)!).push(t.tag);
		let chunk = '';
		for (const [i, r] of page.entries()) {
			const first = parse(r.first_touch);
			const last = parse(r.last_touch);
			const profile = parse(r.profile);
			const consent = parse(r.consent);
			chunk += csvLine([
				r.id,
				r.email,
				r.phone,
				r.status,
				iso(Number(r.created_at)),
				...UTM_KEYS.map((k) => first[k]),
				iso(first.at),
				...UTM_KEYS.map((k) => last[k]),
				iso(last.at),
				consent.marketing === true ? 'yes' : consent.marketing === false ? 'no' : '',
				(tags.get(r.id) ?? []).join(';'),
				Number(r.is_test) === 1 ? 'yes' : 'no',
				...fields.map((f) => profile[f]),
			]);
			// Chunks of a few dozen KB stay in V8's young generation, which is freed at almost no cost;
			// a whole page of text (~170 KB) would be a large object that only a full collection frees.
			if ((i + 1) % CHUNK_ROWS === 0) {
				yield chunk;
				chunk = '';
			}
		}
		if (chunk) yield chunk;
		after = page[page.length - 1]!.id;
		if (page.length < pageSize) return;
	}
}
