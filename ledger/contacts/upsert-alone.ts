import type { Store } from '../store';
import { settingsAndTagsFromRows, tagKeys, tagList, type SettingsAndTags } from '../tags/resolve';
import { validateLaunch, type UpsertContactInput } from './input';
import { completeUpsert, createPrepared, prepareUpsert, upsertContact, type UpsertContactResult } from './upsert';

/**
 * Settings and registry rows last read per (launch, tag keys), per store — PostgreSQL only. They are
 * never trusted: a create planned from them runs with a guard that re-reads the same rows inside
 * its own statement and writes nothing unless they are unchanged (see createInOneStatement). A
 * bounded map: one entry per distinct tag combination in use.
 */
const plannedContexts = new WeakMap<Store, Map<string, SettingsAndTags>>();
const PLANNED_CONTEXTS_LIMIT = 256;

function rememberContext(store: Store, key: string, context: SettingsAndTags): void {
	let byKey = plannedContexts.get(store);
	if (!byKey) plannedContexts.set(store, (byKey = new Map()));
	byKey.delete(key);
	if (byKey.size >= PLANNED_CONTEXTS_LIMIT) byKey.delete(byKey.keys().next().value!);
	byKey.set(key, context);
}

/**
 * An upsert that is a whole transaction of its own (contacts.upsert). On PostgreSQL the common
 * signup needs no BEGIN/COMMIT: its one write statement is atomic by itself. When the launch's
 * settings and registry rows for these tags were read before, the create is planned from them and
 * sent as one guarded statement — one round trip; the guard re-reads those rows in the statement's
 * own snapshot and writes nothing if they changed (then the call starts over from a fresh read).
 * Otherwise the reads run as plain statements first (two round trips). Everything else (an update,
 * several identifiers, quarantined tags) continues in a transaction, after the same reads. The
 * result and every guarantee are those of upsertContact: the identifier's primary key decides
 * between concurrent callers, nothing is written unless the whole create is, and a settings or
 * registry change committed by any process applies to the next call. Errors always come from a
 * fresh read, never from remembered rows.
 */
export async function upsertContactAlone(store: Store, input: UpsertContactInput): Promise<UpsertContactResult> {
	if (store.dialect !== 'postgres') return store.transaction((tx) => upsertContact(tx, input));
	const rememberedKey = contextKey(input);
	const remembered = rememberedKey === null ? undefined : plannedContexts.get(store)?.get(rememberedKey);
	// Replays and back-dated upserts take the fresh path (every path reads the forget tombstones).
	if (remembered && !input.replay && input.receivedAt === undefined) {
		const prepared = await prepareUpsert(store, input, settingsAndTagsFromRows(tagList(input.tags), remembered.keys, remembered.rows)).catch(() => null);
		if (prepared?.oneStatement) {
			const created = await createPrepared(store, prepared, true);
			if (created && created !== 'stale') return created;
			// The identifier is held (and the rows were current): the update path, in a transaction.
			if (created === null) return store.transaction((tx) => completeUpsert(tx, prepared));
		}
	}
	const prepared = await prepareUpsert(store, input);
	if (rememberedKey !== null && !prepared.context.tagError) rememberContext(store, rememberedKey, prepared.context);
	const created = await createPrepared(store, prepared);
	return created && created !== 'stale' ? created : store.transaction((tx) => completeUpsert(tx, prepared));
}

/** The remembered-context key of an upsert: launch and normalized tag keys; null when the input is not valid. */
function contextKey(input: UpsertContactInput): string | null {
	try {
		return [validateLaunch(input.launch), ...tagKeys(tagList(input.tags))].join('\u0000');
	} catch {
		return null;
	}
}
