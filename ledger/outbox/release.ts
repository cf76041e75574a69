import { awaitingConfirmation, kindAwaitsConfirmation } from '../optin/rules';
import type { SqlExecutor } from '../store';
import { applySystemTag, HOLDING_TAG } from '../system-tags';
import type { OutboxStatus } from './entry';
import { getPauseState, holdsKind } from './kill-switch';
import { contactsWithoutEmail, EMAIL_KINDS } from './waiting';

/**
 * Entries a contact's syncs were held in for a reason now settled (a flag cleared on the review desk,
 * the address confirmed) go back to what they would be if enqueued now: unconfirmed while the person
 * still has to confirm, waiting while they have no email, held while the kill switch holds the kind,
 * else pending and due now. One place for that order, so no release skips a hold still in force.
 */
export async function releaseContactEntries(tx: SqlExecutor, input: { launch: string; contactId: string; entries: ReadonlyArray<{ id: string; kind: string }>; now: number }): Promise<Array<{ id: string; kind: string; status: OutboxStatus }>> {
	const { launch, contactId, entries, now } = input;
	if (entries.length === 0) return [];
	const { scope } = await getPauseState(tx, launch);
	const noEmail = (await contactsWithoutEmail(tx, [contactId])).size > 0;
	const sentBy = (await awaitingConfirmation(tx, launch, [contactId])).get(contactId);
	const released: Array<{ id: string; kind: string; status: OutboxStatus }> = [];
	for (const entry of entries) {
		let status: OutboxStatus = 'pending';
		if (sentBy && kindAwaitsConfirmation(entry.kind, sentBy)) status = 'unconfirmed';
		else if (noEmail && EMAIL_KINDS.includes(entry.kind)) status = 'waiting';
		else if (holdsKind(scope, entry.kind)) status = 'held';
		await tx.execute('UPDATE outbox SET status = $2, next_attempt_at = $3, updated_at = $3 WHERE id = $1', [entry.id, status, now]);
		released.push({ ...entry, status });
	}
	if (released.some((r) => r.status === 'held')) await applySystemTag(tx, { launch, contactIds: [contactId], tag: HOLDING_TAG, kind: 'segment', source: 'kill-switch' });
	return released;
}
