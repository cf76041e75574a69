import { requiredText } from '../checks';
import { LedgerInputError } from '../errors';
import { inList, type SqlExecutor, type SqlValue, type Store } from '../store';
import { wholeNumber } from './input';
import { settleByServedLaunch } from './served';
import type { ClaimProof, SettleOutcome } from './settle';

/*
 * Fast hand-over. A signup's webhook claims its sync entries for the run it starts with a short
 * queued-run lease (QUEUED_RUN_LEASE_MS): nothing can speak for a run while it waits in n8n's queue,
 * and a queue-mode worker can take the run and die before starting it (n8n then marks it failed and
 * never retries it), so the claim must run out by itself soon. Once the run starts it takes the claim
 * over with a short run lease (RUN_LEASE_MS) that a timer in its process renews while the process
 * lives. A worker that dies (SIGKILL, out of memory, a lost machine) stops renewing. Either way the
 * entries of a dead run are due for the drain within one of these leases.
 *
 * A run that starts after its queued-run lease ran out still takes the entries over if nobody
 * claimed them since; if the drain did (their claim token changed) the run is told `lease_lost` and
 * must leave them to the drain: only the holder of the current claim token calls the vendor, so a
 * slow queue never sends a signup twice. Renewal is proven by the claim token, like ack.
 */

/**
 * The webhook's claim for the run it starts, until the run takes it over. With the drain on its
 * shipped schedule (every minute) a run that never starts has its work sent within this plus one
 * minute: under 2 minutes. A run still queued after it leaves its work to the drain.
 */
export const QUEUED_RUN_LEASE_MS = 45_000;
/** The lease a running run holds its entries with; renewed every RENEW_EVERY_MS while its process lives. */
export const RUN_LEASE_MS = 30_000;
export const RENEW_EVERY_MS = 10_000;
/** A live run never holds entries longer than this in all; then they are the drain's like a dead run's. */
export const MAX_HOLD_MS = 10 * 60_000;

export interface RenewResult {
	id: string;
	/** renewed: the lease now ends at `leaseUntil`; otherwise why this claim no longer counts. */
	outcome: 'renewed' | Exclude<SettleOutcome, 'done'>;
	leaseUntil?: number;
}

export interface RenewOptions {
	/** The new lease from now (ms, 1 s – 24 h). */
	leaseMs: number;
	/** Who holds the entries now (recorded as claimed_by); unchanged when left out. */
	workerId?: string;
	now?: number;
}

/** Renews under the holder's launch; entries of its open checklist runs' test launches in theirs (served.ts). */
export function renewOutboxClaims(tx: SqlExecutor, launch: string, claims: readonly ClaimProof[], options: RenewOptions): Promise<RenewResult[]> {
	return settleByServedLaunch(tx, launch, claims, (target, group) => renewOutboxClaimsInLaunch(tx, target, group, options));
}

/**
 * Moves the lease of claimed entries to now + leaseMs, for the holder of each claim token only. The
 * attempt count does not change: renewing is the same attempt going on. An entry whose lease ran
 * out but which nobody claimed since is still this holder's, so it is renewed too.
 */
async function renewOutboxClaimsInLaunch(tx: SqlExecutor, launch: string, claims: readonly ClaimProof[], options: RenewOptions): Promise<RenewResult[]> {
	requiredText(launch, 'launch', 200);
	const leaseMs = wholeNumber(options.leaseMs, 'leaseMs', 1000, 86_400_000);
	const workerId = options.workerId === undefined ? null : requiredText(options.workerId, 'workerId', 200);
	const proofs = claims.map((c, i) => {
		if (!c || typeof c !== 'object') throw new LedgerInputError(`entries[${i}]`, 'must be {id, claimToken} from a claimed entry');
		return { id: requiredText(c.id, `entries[${i}].id`, 100), claimToken: requiredText(c.claimToken, `entries[${i}].claimToken`, 100) };
	});
	if (proofs.length === 0) return [];
	const now = options.now ?? Date.now();
	const leaseUntil = now + leaseMs;
	const renewed = new Set<string>();
	for (let i = 0; i < proofs.length; i += RENEW_CHUNK) {
		const params: SqlValue[] = [launch, now, leaseUntil, workerId];
		const values = proofs.slice(i, i + RENEW_CHUNK).map((p) => `(${inList([p.id, p.claimToken], params)})`);
		const rows = await tx.query<{ id: string }>(
			`WITH v(id, claim_token) AS (VALUES ${values.join(', ')})
			 UPDATE outbox SET lease_until = $3, next_attempt_at = $3, claimed_by = COALESCE($4, claimed_by), updated_at = $2
			 FROM v
			 WHERE outbox.id = v.id AND outbox.launch = $1 AND outbox.claim_token = v.claim_token AND outbox.status = 'claimed'
			 RETURNING outbox.id`,
			params,
		);
		for (const r of rows) renewed.add(r.id);
	}
	const lost = proofs.filter((p) => !renewed.has(p.id)).map((p) => p.id);
	const statuses = new Map<string, string>();
	if (lost.length) {
		const params: SqlValue[] = [launch];
		const rows = await tx.query<{ id: string; status: string }>(`SELECT id, status FROM outbox WHERE launch = $1 AND id IN (${inList(lost, params)})`, params);
		for (const r of rows) statuses.set(r.id, r.status);
	}
	return proofs.map((p): RenewResult => {
		if (renewed.has(p.id)) return { id: p.id, outcome: 'renewed', leaseUntil };
		const status = statuses.get(p.id);
		return { id: p.id, outcome: status === undefined ? 'not_found' : status === 'done' ? 'already_done' : 'lease_lost' };
	});
}

const RENEW_CHUNK = 500;

interface Held extends ClaimProof {
	launch: string;
	workerId: string;
	/** Renewal stops here: a run alive for longer than MAX_HOLD_MS gives its entries up as before. */
	holdUntil: number;
}

export interface KeepAliveOptions {
	workerId: string;
	leaseMs?: number;
	renewEveryMs?: number;
	maxHoldMs?: number;
}

/**
 * Renews the claims runs in this process hold, all in one transaction per tick, until each is
 * settled (ack / fail / release: the renewal no longer matches), lost, or held for maxHoldMs. One per
 * Ledger (so one per process and database); its timer never keeps the process alive.
 */
export class ClaimKeeper {
	private readonly held = new Map<string, Held>();
	private timer: NodeJS.Timeout | null = null;
	private everyMs = RENEW_EVERY_MS;
	private leaseMs = RUN_LEASE_MS;
	private ticking: Promise<void> | null = null;

	constructor(private readonly store: Store) {}

	/** Takes the claims over now (short lease, this holder's name) and keeps them alive from here on. */
	async hold(launch: string, claims: readonly ClaimProof[], options: KeepAliveOptions): Promise<RenewResult[]> {
		this.leaseMs = wholeNumber(options.leaseMs, 'leaseMs', 1000, 86_400_000, RUN_LEASE_MS);
		this.everyMs = wholeNumber(options.renewEveryMs, 'renewEveryMs', 100, this.leaseMs - 1, Math.min(RENEW_EVERY_MS, Math.floor(this.leaseMs / 3)));
		const maxHoldMs = wholeNumber(options.maxHoldMs, 'maxHoldMs', 1000, 86_400_000, MAX_HOLD_MS);
		const results = await this.store.transaction((tx) => renewOutboxClaims(tx, launch, claims, { leaseMs: this.leaseMs, workerId: options.workerId }));
		const holdUntil = Date.now() + maxHoldMs;
		for (const [i, r] of results.entries()) {
			if (r.outcome === 'renewed') this.held.set(r.id, { launch, id: r.id, claimToken: claims[i]!.claimToken, workerId: options.workerId, holdUntil });
		}
		if (this.held.size > 0 && !this.timer) {
			this.timer = setInterval(() => void this.tick(), this.everyMs);
			this.timer.unref();
		}
		return results;
	}

	/** How many claims this process keeps alive now. */
	get size(): number {
		return this.held.size;
	}

	/** One renewal round (the timer calls it; exposed for tests). Errors wait for the next round. */
	tick(): Promise<void> {
		this.ticking ??= this.renewAll().finally(() => {
			this.ticking = null;
		});
		return this.ticking;
	}

	private async renewAll(): Promise<void> {
		const now = Date.now();
		for (const [id, h] of this.held) if (h.holdUntil <= now) this.held.delete(id);
		const byLaunch = new Map<string, Held[]>();
		for (const h of this.held.values()) byLaunch.set(h.launch, [...(byLaunch.get(h.launch) ?? []), h]);
		try {
			const results = await this.store.transaction(async (tx) => {
				const all: RenewResult[] = [];
				for (const [launch, claims] of byLaunch) all.push(...(await renewOutboxClaims(tx, launch, claims, { leaseMs: this.leaseMs, now })));
				return all;
			});
			for (const r of results) if (r.outcome !== 'renewed') this.held.delete(r.id);
		} catch {
			// The database did not answer: the leases run on; the next round tries again. If it stays
			// down past the lease, the drain may take the entries and this run's ack answers lease_lost.
		}
		if (this.held.size === 0) this.stop();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	/** Stops renewing and forgets every claim (the ledger is closing). */
	clear(): void {
		this.stop();
		this.held.clear();
	}
}
