import { Ledger } from './ledger';
import { openStore, type StoreConfig } from './store';

/**
 * One open ledger per distinct configuration per process: n8n runs a node many times, and opening a
 * pool (or a SQLite handle) per execution would exhaust connections under a signup spike.
 */
const open = new Map<string, Promise<Ledger>>();

function keyOf(config: StoreConfig): string {
	return JSON.stringify(config, Object.keys(config).sort());
}

export function getLedger(config: StoreConfig): Promise<Ledger> {
	const key = keyOf(config);
	let ledger = open.get(key);
	if (!ledger) {
		ledger = openStore(config).then((store) => new Ledger(store));
		// A failed open (wrong password, server down) must not be cached: the next call retries.
		ledger.catch(() => open.delete(key));
		open.set(key, ledger);
	}
	return ledger;
}

export async function closeAllLedgers(): Promise<void> {
	const ledgers = [...open.values()];
	open.clear();
	await Promise.all(ledgers.map(async (p) => (await p.catch(() => null))?.close()));
}

let shutdownHooked = false;
/** Closes pools when the process is asked to stop, after n8n's own handlers have run. */
export function closeLedgersOnExit(): void {
	if (shutdownHooked) return;
	shutdownHooked = true;
	process.once('beforeExit', () => void closeAllLedgers());
}
