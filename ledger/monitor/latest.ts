import { LedgerInputError } from '../errors';
import type { SqlExecutor, SqlValue } from '../store';
import { validateLaunch, validateNow } from './snapshots';

/**
 * The newest signups of a launch, for the dashboard's "latest signups" list: a person glancing at it
 * sees that signups arrive and carry their source. Read backwards along the (launch, created_at)
 * index, so it costs the same at 10k and 1M contacts. Active people only (a contact merged into
 * another, or forgotten, is not one any more); dry-run contacts never.
 */

export interface LatestSignup {
	contactId: string;
	/** The email as typed, or null for a phone-only contact. */
	email: string | null;
	phone: string | null;
	/** first_name, else name, from the profile; null when neither was given. */
	name: string | null;
	/** First touch: where the person came from. */
	utmSource: string | null;
	utmMedium: string | null;
	utmCampaign: string | null;
	createdAt: number;
}

type Row = { id: string; email: string | null; phone: string | null; profile: string | null; first_touch: string | null; created_at: number };

function parse(text: string | null): Record<string, unknown> {
	if (!text) return {};
	try {
		const value = JSON.parse(text) as unknown;
		return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

const textOrNull = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);

/** The one statement: backwards along contacts (launch, created_at); a contract test EXPLAINs it. */
export function latestSignupsStatement(launch: string, now: number, limit: number): { sql: string; params: SqlValue[] } {
	return {
		sql: `SELECT id, email, phone, profile, first_touch, created_at FROM contacts
		 WHERE launch = $1 AND created_at <= $2 AND status = 'active' AND is_test = 0 ORDER BY created_at DESC LIMIT $3`,
		params: [launch, now, limit],
	};
}

export async function latestSignups(tx: SqlExecutor, input: { launch: string; limit?: number; now?: number }): Promise<LatestSignup[]> {
	const launch = validateLaunch(input.launch);
	const now = validateNow(input.now);
	const limit = input.limit ?? 10;
	if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new LedgerInputError('limit', `must be a whole number from 1 to 100; got ${JSON.stringify(input.limit)}`);
	const statement = latestSignupsStatement(launch, now, limit);
	const rows = await tx.query<Row>(statement.sql, statement.params);
	return rows.map((r) => {
		const profile = parse(r.profile);
		const touch = parse(r.first_touch);
		return {
			contactId: r.id,
			email: r.email,
			phone: r.phone,
			name: textOrNull(profile.first_name) ?? textOrNull(profile.name),
			utmSource: textOrNull(touch.utm_source),
			utmMedium: textOrNull(touch.utm_medium),
			utmCampaign: textOrNull(touch.utm_campaign),
			createdAt: Number(r.created_at),
		};
	});
}
