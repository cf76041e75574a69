import { LedgerInputError } from './errors';
import type { SqlExecutor, SqlValue } from './store';

export interface LedgerEvent {
	id: number;
	launch: string;
	contactId: string | null;
	type: string;
	source: string | null;
	data: Record<string, unknown>;
	createdAt: number;
}

export interface NewLedgerEvent {
	launch: string;
	contactId: string | null;
	type: string;
	source?: string | null;
	/** For changes: `{ changes: { field: { before, after } } }`, so history shows what it replaced. */
	data?: object;
	at?: number;
}

/** Appends to the audit log. Events are never updated or deleted (forget only redacts them). */
export async function recordEvent(tx: SqlExecutor, event: NewLedgerEvent): Promise<void> {
	await recordEvents(tx, [event]);
}

/** Appends several events in one statement (one round trip on PostgreSQL). */
export async function recordEvents(tx: SqlExecutor, events: readonly NewLedgerEvent[]): Promise<void> {
	if (events.length === 0) return;
	const now = Date.now();
	const params: SqlValue[] = [];
	const rows = events.map((event) => {
		const base = params.length;
		params.push(event.launch, event.contactId, event.type, event.source ?? null, JSON.stringify(event.data ?? {}), event.at ?? now);
		return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6})`;
	});
	await tx.execute(`INSERT INTO events (launch, contact_id, type, source, data, created_at) VALUES ${rows.join(', ')}`, params);
}

type EventRow = {
	id: number;
	launch: string;
	contact_id: string | null;
	type: string;
	source: string | null;
	data: string;
	created_at: number;
};

function toEvent(r: EventRow): LedgerEvent {
	return {
		id: Number(r.id),
		launch: r.launch,
		contactId: r.contact_id,
		type: r.type,
		source: r.source,
		data: JSON.parse(r.data) as Record<string, unknown>,
		createdAt: Number(r.created_at),
	};
}

export interface EventFilter {
	/** Only events of these types (exact), or with this prefix when it ends in `.*` ("tag.*"). */
	types?: string[];
	/** Only events after this event id (for paging / following). */
	afterId?: number;
	/**
	 * 'oldest' (default): in the order they happened. 'newest': most recent first. `limit` keeps the
	 * first N in this order — so the OLDEST N by default; pass order 'newest' for the most recent N.
	 */
	order?: 'oldest' | 'newest';
	/** At most this many events, counted in `order`. */
	limit?: number;
}

function filterSql(filter: EventFilter, params: SqlValue[]): string {
	let sql = '';
	if (filter.types?.length) {
		const parts = filter.types.map((t) => {
			if (t.endsWith('.*')) {
				params.push(`${t.slice(0, -1)}%`);
				return `type LIKE $${params.length}`;
			}
			params.push(t);
			return `type = $${params.length}`;
		});
		sql += ` AND (${parts.join(' OR ')})`;
	}
	if (filter.afterId !== undefined) {
		params.push(filter.afterId);
		sql += ` AND id > $${params.length}`;
	}
	if (filter.order !== undefined && filter.order !== 'oldest' && filter.order !== 'newest') {
		throw new LedgerInputError('order', `must be "newest" or "oldest"; got ${JSON.stringify(filter.order)}`);
	}
	sql += filter.order === 'newest' ? ' ORDER BY id DESC' : ' ORDER BY id';
	if (filter.limit !== undefined) {
		params.push(Math.max(1, Math.floor(filter.limit)));
		sql += ` LIMIT $${params.length}`;
	}
	return sql;
}

/** One contact's history, oldest first unless `filter.order` is 'newest'. */
export async function listEvents(tx: SqlExecutor, contactId: string, filter: EventFilter = {}): Promise<LedgerEvent[]> {
	const params: SqlValue[] = [contactId];
	const rows = await tx.query<EventRow>(
		`SELECT id, launch, contact_id, type, source, data, created_at FROM events WHERE contact_id = $1${filterSql(filter, params)}`,
		params,
	);
	return rows.map(toEvent);
}

/** A launch's history, ordered like listEvents (including events that belong to no contact, such as registry changes). */
export async function listLaunchEvents(tx: SqlExecutor, launch: string, filter: EventFilter = {}): Promise<LedgerEvent[]> {
	const params: SqlValue[] = [launch];
	const rows = await tx.query<EventRow>(
		`SELECT id, launch, contact_id, type, source, data, created_at FROM events WHERE launch = $1${filterSql(filter, params)}`,
		params,
	);
	return rows.map(toEvent);
}
