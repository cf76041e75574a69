import { LedgerInputError, type DeadLetter, type FlaggedSignup, type DeskContact, type DeskItem, type InboxEntry, type KillSwitchView, type Ledger, type Page, type RefusedDelivery, type RefusedSignup } from '../../ledger';

/**
 * Everything the desk shows, read through the ledger's facade: the open items (a page at a time,
 * by the ledger's cursor), the item asked for by `?item=` first, contact search results for one
 * item, the raw delivery asked for by `?inbox=`, and the lists beside it.
 */

/** What the page's URL asks for (all optional; every value is only ever passed to the ledger as data). */
export interface DeskQuery {
	item?: string;
	search?: string;
	cursor?: string;
	inbox?: string;
	signups?: string;
	deliveries?: string;
	dead?: string;
	flagged?: string;
}

export interface DeskView {
	launch: string;
	items: DeskItem[];
	next: string | null;
	/** `?item=`: the item shown first; null when no item of this launch has that id. */
	focus?: { id: string; item: DeskItem | null };
	/** `?search=` on `?item=`: the contacts found, or what was wrong with the query. */
	search?: { itemId: string; query: string; results: DeskContact[]; error?: string };
	/** `?inbox=`: the delivery, or null when this launch has none with that id. */
	inbox?: { id: string; entry: InboxEntry | null };
	held: KillSwitchView['held'];
	heldCount: number;
	dead: Page<DeadLetter>;
	signups: Page<RefusedSignup>;
	deliveries: Page<RefusedDelivery>;
	/** Signups with an abuse flag no person has decided yet (Clear / Confirm as spam). */
	flagged: Page<FlaggedSignup>;
	/** The last few settled items (who, when, what), so a merge can be undone later. */
	settled: DeskItem[];
	query: DeskQuery;
}

/** The lists beside the desk show this many rows a page. */
export const LIST_PAGE = 10;
/** Open items a page. */
export const ITEMS_PAGE = 20;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Outcome<T>> => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

/** A cursor from the URL the ledger refuses (tampered, stale format) reads as "from the start". */
async function paged<T>(read: (cursor?: string) => Promise<Page<T>>, cursor?: string): Promise<Page<T>> {
	if (!cursor) return read(undefined);
	const first = await settle(read(cursor));
	if (first.ok) return first.value;
	return first.error instanceof LedgerInputError ? read(undefined) : Promise.reject(first.error);
}

/** The contacts found for one item, or what was wrong with the query (e.g. empty). */
async function searchFor(ledger: Ledger, launch: string, itemId: string, query: string): Promise<DeskView['search']> {
	const found = await settle(ledger.review.searchContacts(launch, query, 10));
	if (found.ok) return { itemId, query, results: found.value };
	if (found.error instanceof LedgerInputError) return { itemId, query, results: [], error: found.error.reason };
	return Promise.reject(found.error);
}

export async function readDeskView(ledger: Ledger, launch: string, query: DeskQuery): Promise<DeskView> {
	const review = ledger.review;
	// One read after another: the embedded store runs one transaction at a time anyway.
	const page = await paged((cursor) => review.page(launch, { status: 'open', cursor, limit: ITEMS_PAGE }), query.cursor);
	const killSwitch = await ledger.pages.killSwitchView(launch);
	const dead = await paged((cursor) => review.deadLetters(launch, { cursor, limit: LIST_PAGE }), query.dead);
	const signups = await paged((cursor) => review.refusedSignups(launch, { cursor, limit: LIST_PAGE }), query.signups);
	const deliveries = await paged((cursor) => review.refusedDeliveries(launch, { cursor, limit: LIST_PAGE }), query.deliveries);
	const flagged = await paged((cursor) => review.flaggedSignups(launch, { cursor, limit: LIST_PAGE }), query.flagged);
	const settled = await review.page(launch, { status: 'resolved', limit: 5 });
	const view: DeskView = {
		launch,
		items: page.items,
		next: page.next,
		held: killSwitch.held,
		heldCount: killSwitch.heldCount,
		dead,
		signups,
		deliveries,
		flagged,
		settled: settled.items,
		query,
	};
	if (query.item) {
		const found = await review.detail(query.item);
		const item = found && found.launch === launch ? found : null;
		view.focus = { id: query.item, item };
		// The item asked for comes first (and once), whatever page it would be on.
		if (item?.status === 'open') view.items = [item, ...view.items.filter((i) => i.id !== item.id)];
		if (item?.status === 'resolved') view.settled = view.settled.filter((i) => i.id !== item.id);
		if (item && query.search !== undefined) view.search = await searchFor(ledger, launch, item.id, query.search);
	}
	if (query.inbox) {
		const entry = await ledger.purchases.inboxEntry(query.inbox);
		view.inbox = { id: query.inbox, entry: entry && entry.launch === launch ? entry : null };
	}
	return view;
}
