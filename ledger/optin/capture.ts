import { enqueueOutboxEntry } from '../outbox/enqueue';
import type { OutboxStatus } from '../outbox/entry';
import type { SqlExecutor } from '../store';
import { awaitingConfirmation, CONFIRMATION_EMAIL_KIND, requestConfirmation, type ConfirmationSender } from './rules';
import { signConfirmToken } from './token';

/** The capture trigger's Double Opt-In settings; left out: off. */
export interface DoubleOptInOptions {
	sentBy: ConfirmationSender;
	/** The confirmation page's address (the trigger's `…/confirm`); the token is added as `?token=`. */
	confirmUrl?: string;
	/** How long a confirmation link works (default 7 days). */
	linkValidDays?: number;
}

export const DEFAULT_LINK_VALID_DAYS = 7;

export interface SignupOptIn {
	/** off: double opt-in is off, or this contact never had to confirm; unconfirmed / confirmed: where the person stands. */
	status: 'off' | 'unconfirmed' | 'confirmed';
	sentBy?: ConfirmationSender;
	/** The confirmation email's outbox entry (n8n sends it), when this signup asked for one. */
	email?: { id: string; created: boolean; status: OutboxStatus; confirmLink: string | null; token: string };
}

/** The link's token and address, valid for the configured days from `now`. */
export function confirmationLink(secret: string, launch: string, contactId: string, options: DoubleOptInOptions, now: number): { token: string; confirmLink: string | null } {
	const days = options.linkValidDays ?? DEFAULT_LINK_VALID_DAYS;
	const token = signConfirmToken(secret, launch, contactId, now + days * 86_400_000);
	return { token, confirmLink: options.confirmUrl ? `${options.confirmUrl}${options.confirmUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : null };
}

/**
 * A signup's part in double opt-in, before its syncs are enqueued (so they wait): a new person with
 * an email is asked to confirm; when n8n sends the email, one confirmation email goes to the outbox —
 * at most one a day per person, so signing up again ("I got no email") sends it again, but a form
 * posted in a loop does not flood their inbox. A person who never had to confirm is not asked later.
 */
export async function enterSignupOptIn(
	tx: SqlExecutor,
	input: { launch: string; contactId: string; created: boolean; email: string | null; options?: DoubleOptInOptions; secret: string; now: number; source?: string },
): Promise<SignupOptIn> {
	const { launch, contactId, options, now } = input;
	if (!options || !input.email) return { status: 'off' };
	if (input.created) await requestConfirmation(tx, { launch, contactId, sentBy: options.sentBy, now, source: input.source });
	const sentBy = (await awaitingConfirmation(tx, launch, [contactId])).get(contactId);
	if (!sentBy) {
		const [row] = await tx.query<{ status: string }>('SELECT status FROM optin_confirmations WHERE launch = $1 AND contact_id = $2', [launch, contactId]);
		return { status: row ? 'confirmed' : 'off' };
	}
	if (sentBy !== 'n8n') return { status: 'unconfirmed', sentBy };
	const link = confirmationLink(input.secret, launch, contactId, options, now);
	const day = new Date(now).toISOString().slice(0, 10);
	const entry = await enqueueOutboxEntry(tx, {
		launch,
		kind: CONFIRMATION_EMAIL_KIND,
		idempotencyKey: `${CONFIRMATION_EMAIL_KIND}:${contactId}:${day}`,
		contactId,
		payload: { contactId, email: input.email, confirmLink: link.confirmLink, reason: 'double_opt_in' },
		source: input.source,
	});
	return { status: 'unconfirmed', sentBy, email: { ...entry, ...link } };
}
