import type { Store } from '../store';
import { claimDueOutboxEntries, type ClaimOutboxInput } from './claim';
import { enqueueOutboxEntries, enqueueOutboxEntry, refuseForgottenContacts, type EnqueueOutboxInput, type EnqueueOutboxResult } from './enqueue';
import type { ClaimedOutboxEntry, OutboxEntry } from './entry';
import { outboxHealth, type OutboxHealth } from './health';
import { ClaimKeeper, renewOutboxClaims, type KeepAliveOptions, type RenewOptions, type RenewResult } from './keep-alive';
import { getPauseState, pauseOutbox, resumeOutbox, settleHeldEntries, type PauseInput, type PauseState } from './kill-switch';
import { getOutboxEntry, listOutboxEntries, requeueDeadEntries, type ListOutboxInput } from './list';
import type { RetryPolicy } from './retry';
import { ackOutboxEntries, failOutboxEntries, releaseOutboxEntries, type AckResult, type ClaimProof, type FailOutboxInput, type FailResult, type OutboxAck } from './settle';
import { settleSupersededSyncs } from './supersede';

/**
 * The outbox as the nodes use it: each method is one transaction. Batches (claim N, ack N) are one
 * transaction too, so a drain of 100 entries costs two round trips of transactions, not 200.
 */
export class OutboxApi {
	/** Renews the claims of runs alive in this process (fast hand-over, keep-alive.ts). */
	private readonly keeper: ClaimKeeper;

	constructor(private readonly store: Store) {
		this.keeper = new ClaimKeeper(store);
	}

	enqueue(input: EnqueueOutboxInput): Promise<EnqueueOutboxResult> {
		return this.store.transaction(async (tx) => {
			await refuseForgottenContacts(tx, [input]);
			return enqueueOutboxEntry(tx, input);
		});
	}

	/** Several entries in one transaction (all or none). */
	enqueueMany(inputs: readonly EnqueueOutboxInput[]): Promise<EnqueueOutboxResult[]> {
		return this.store.transaction(async (tx) => {
			await refuseForgottenContacts(tx, inputs);
			return enqueueOutboxEntries(tx, inputs);
		});
	}

	claim(input: ClaimOutboxInput): Promise<ClaimedOutboxEntry[]> {
		return this.store.transaction((tx) => claimDueOutboxEntries(tx, input));
	}

	ack(launch: string, entries: readonly OutboxAck[], options: { now?: number } = {}): Promise<AckResult[]> {
		return this.store.transaction((tx) => ackOutboxEntries(tx, launch, entries, options));
	}

	fail(launch: string, entries: readonly FailOutboxInput[], options: RetryPolicy & { now?: number; source?: string } = {}): Promise<FailResult[]> {
		return this.store.transaction((tx) => failOutboxEntries(tx, launch, entries, options));
	}

	release(launch: string, entries: readonly (ClaimProof & { delayMs?: number })[], options: { delayMs?: number; now?: number } = {}): Promise<AckResult[]> {
		return this.store.transaction((tx) => releaseOutboxEntries(tx, launch, entries, options));
	}

	/** Moves the lease of claims this holder still has (by claim token) to now + leaseMs; attempts unchanged. */
	renew(launch: string, entries: readonly ClaimProof[], options: RenewOptions): Promise<RenewResult[]> {
		return this.store.transaction((tx) => renewOutboxClaims(tx, launch, entries, options));
	}

	/**
	 * A run that has started takes its claims over with a short lease, renewed by this process until
	 * they are settled: if the process dies, the drain may take them within the short lease.
	 */
	keepAlive(launch: string, entries: readonly ClaimProof[], options: KeepAliveOptions): Promise<RenewResult[]> {
		return this.keeper.hold(launch, entries, options);
	}

	/** The keeper itself, for tests and for closing the ledger. */
	get claimKeeper(): ClaimKeeper {
		return this.keeper;
	}

	get(id: string): Promise<OutboxEntry | null> {
		return getOutboxEntry(this.store, id);
	}

	list(input: ListOutboxInput): Promise<OutboxEntry[]> {
		return listOutboxEntries(this.store, input);
	}

	dead(launch: string, options: Omit<ListOutboxInput, 'launch' | 'statuses'> = {}): Promise<OutboxEntry[]> {
		return listOutboxEntries(this.store, { ...options, launch, statuses: ['dead'] });
	}

	held(launch: string, options: Omit<ListOutboxInput, 'launch' | 'statuses'> = {}): Promise<OutboxEntry[]> {
		return listOutboxEntries(this.store, { ...options, launch, statuses: ['held'] });
	}

	requeueDead(input: { launch: string; ids?: string[] | string; kinds?: string[] | string; source?: string }): Promise<{ requeued: string[] }> {
		return this.store.transaction((tx) => requeueDeadEntries(tx, input));
	}

	pause(input: PauseInput): Promise<{ state: PauseState; heldNow: number }> {
		return this.store.transaction((tx) => pauseOutbox(tx, input));
	}

	resume(input: { launch: string; by: string; reason: string; source?: string }): Promise<{ released: number; wasPaused: boolean }> {
		return this.store.transaction((tx) => resumeOutbox(tx, input));
	}

	releaseHeld(input: { launch: string; ids: string[] | string; by: string; reason: string; source?: string }): Promise<{ ids: string[] }> {
		return this.store.transaction((tx) => settleHeldEntries(tx, { ...input, action: 'release' }));
	}

	discardHeld(input: { launch: string; ids: string[] | string; by: string; reason: string; source?: string }): Promise<{ ids: string[] }> {
		return this.store.transaction((tx) => settleHeldEntries(tx, { ...input, action: 'discard' }));
	}

	/** Dead ESP/CRM sync entries a later sync of the same contact delivered: marked done (see supersede.ts). */
	settleSuperseded(input: { launch: string; source?: string }): Promise<Array<{ id: string; contactId: string; kind: string; supersededBy: string }>> {
		return this.store.transaction((tx) => settleSupersededSyncs(tx, input));
	}

	pauseState(launch: string): Promise<PauseState> {
		return getPauseState(this.store, launch);
	}

	health(launch: string, now?: number): Promise<OutboxHealth> {
		return outboxHealth(this.store, launch, now);
	}
}
