import { requiredText } from '../checks';
import type { SqlExecutor } from '../store';
import { displayName, type DeskContact } from './list';

/** LIKE's wildcards taken literally (the escape character is "!"). */
const likeLiteral = (s: string): string => s.replace(/[!%_]/g, (c) => `!${c}`);

/**
 * "Match to whom?": active contacts whose email or name starts with the query, at most `limit`
 * (1–20, 10 by default). Emails through their identifiers (normalized, lower case); names through
 * the profile's name / first_name / last_name, so the name half reads the launch's contacts and
 * stops at the limit.
 */
export async function searchContacts(tx: SqlExecutor, launch: string, query: unknown, limit = 10): Promise<DeskContact[]> {
	const q = requiredText(query, 'query', 200).toLowerCase();
	const n = Math.max(1, Math.min(20, Math.floor(Number(limit) || 10)));
	const prefix = `${likeLiteral(q)}%`;
	const byEmail = await tx.query<{ id: string; email: string | null; profile: string | null; status: string }>(
		`SELECT c.id, c.email, c.profile, c.status FROM identifiers i JOIN contacts c ON c.id = i.contact_id
		  WHERE i.launch = $1 AND i.kind = 'email' AND i.value LIKE $2 ESCAPE '!' AND c.status = 'active' ORDER BY i.value LIMIT $3`,
		[launch, prefix, n],
	);
	const found = new Map(byEmail.map((r) => [r.id, r]));
	if (found.size < n) {
		// The profile is JSON text: a name field's value starts right after `"first_name":"`.
		const nameKeys = ['name', 'first_name', 'last_name'].map((k) => `%"${k}":"${likeLiteral(JSON.stringify(q).slice(1, -1))}%`);
		const byName = await tx.query<{ id: string; email: string | null; profile: string | null; status: string }>(
			`SELECT id, email, profile, status FROM contacts WHERE launch = $1 AND status = 'active'
			  AND (LOWER(profile) LIKE $2 ESCAPE '!' OR LOWER(profile) LIKE $3 ESCAPE '!' OR LOWER(profile) LIKE $4 ESCAPE '!') ORDER BY created_at DESC LIMIT $5`,
			[launch, ...nameKeys, n],
		);
		for (const r of byName) if (found.size < n && !found.has(r.id)) found.set(r.id, r);
	}
	return [...found.values()].map((r) => ({ id: r.id, email: r.email, name: displayName(r.profile), status: r.status }));
}
