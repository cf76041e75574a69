import type { SqlExecutor } from './store';

export interface LedgerEvent {
	id: number;
	launch: string;
	contactId: string | null;
	type: string;
	source: string | null;
	data: Record<string, unknown>;
	createdAt: number;
}

/** Appends to the audit log. Events are never updated or deleted (forget only redacts them). */
export async function recordEvent(
	tx: SqlExecutor,
	event: { launch: string; contactId: string | null; type: string; source?: string | null; data?: object; at?: number },
): Promise<void> {
	await tx.execute(
		'INSERT INTO events (launch, contact_id, type, source, data, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
		[event.launch, event.contactId, event.type, event.source ?? null, JSON.stringify(event.data ?? {}), event.at ?? Date.now()],
	);
}

export async function listEvents(tx: SqlExecutor, contactId: string): Promise<LedgerEvent[]> {
	const rows = await tx.query<{
		id: number;
		launch: string;
		contact_id: string | null;
		type: string;
		source: string | null;
		data: string;
		created_at: number;
	}>('SELECT id, launch, contact_id, type, source, data, created_at FROM events WHERE contact_id = $1 ORDER BY id', [
		contactId,
	]);
	return rows.map((r) => ({
		id: Number(r.id),
		launch: r.launch,
		contactId: r.contact_id,
		type: r.type,
		source: r.source,
		data: JSON.parse(r.data) as Record<string, unknown>,
		createdAt: Number(r.created_at),
	}));
}
