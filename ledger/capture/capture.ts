import { createHash, randomBytes } from 'node:crypto';

import { assessSignup } from '../abuse/assess';
import { holdSyncForReview } from '../abuse/review';
import type { AbuseSettings, AbuseSignal, CaptchaOutcome } from '../abuse/rules';
import type { AttributionKey } from '../attribution';
import { lockContacts } from '../contacts/records';
import { upsertContact, type UpsertContactResult } from '../contacts/upsert';
import { recordEvent } from '../events';
import { claimDueOutboxEntries } from '../outbox/claim';
import { enqueueOutboxEntry } from '../outbox/enqueue';
import { QUEUED_RUN_LEASE_MS } from '../outbox/keep-alive';
import type { OutboxStatus } from '../outbox/entry';
import { adoptWokenSync } from '../outbox/waiting';
import { normalizeEmail } from '../normalize';
import { enterSignupOptIn, type DoubleOptInOptions, type SignupOptIn } from '../optin/capture';
import { CONFIRMATION_EMAIL_KIND, UNCONFIRMED_REASON } from '../optin/rules';
import { enterSignupReferrals, type SignupReferral } from '../referrals/capture';
import { currentFields, REFERRAL_FIELDS_KIND, type ReferralFields } from '../referrals/fields';
import { getLaunchSettings } from '../settings/settings';
import type { SqlExecutor } from '../store';
import { attributionToStore, type CapturePolicy } from './policy';
import type { ValidSignup } from './validate';

export interface CaptureResult extends UpsertContactResult {
	attribution: Partial<Record<AttributionKey, string>>;
	consent: Record<string, unknown>;
	/**
	 * Vendor syncs now pending for this signup (an unchanged repeat adds none); `waiting`: an ESP sync of
	 * a contact without an email, sent once one is linked.
	 */
	pendingSync: Array<{ id: string; kind: string; created: boolean; status: OutboxStatus }>;
	/** The new sync entries, already claimed for the run this signup starts (see `claimFor`). */
	claimedSync: Array<{
		id: string;
		kind: string;
		claimToken: string;
		idempotencyKey: string;
		/**
		 * An ESP sync's referral fields as of this signup (the person's code, place in line, referrals),
		 * for the run's own ESP call; acked with them, the drain sends no second write (referrals/fields.ts).
		 */
		referralFields?: ReferralFields;
	}>;
	/** Abuse signals: what this signup raised, whether the contact has an undecided flag, the syncs held for review. */
	abuse: { signals: AbuseSignal[]; flagged: boolean; heldSync: string[] };
	/** The person's referral code and what the code they came with did. */
	referral: SignupReferral;
	/** Double opt-in: whether the person must still confirm, and the confirmation email this signup queued. */
	optin: SignupOptIn;
}

/** What the abuse checks of a signup need besides the signup: the settings, the launch's secret, the sender. */
export interface CaptureAbuseInput {
	settings: AbuseSettings;
	secret: string;
	remoteAddress: string | null;
	captcha?: CaptchaOutcome;
}

/**
 * A digest of what the ESP and CRM are told about the contact, naming that version of it. Touch times
 * are left out: vendors get campaign values, and a repeat visit with the same UTMs is no change to them.
 */
async function syncDigest(tx: SqlExecutor, contactId: string): Promise<string> {
	// Already locked by the upsert in this transaction; this reads what it wrote.
	const contact = (await lockContacts(tx, [contactId])).get(contactId);
	const touchValues = (json: string | null | undefined) => {
		if (!json) return null;
		const values = JSON.parse(json) as Record<string, unknown>;
		delete values.at;
		return values;
	};
	const synced = {
		email: contact?.email ?? null,
		phone: contact?.phone ?? null,
		profile: contact?.profile ?? '{}',
		firstTouch: touchValues(contact?.first_touch),
		lastTouch: touchValues(contact?.last_touch),
	};
	return createHash('sha256').update(JSON.stringify(synced)).digest('hex').slice(0, 24);
}

/**
 * Commits one accepted signup: contact upsert with attribution and consent, audit events, and one
 * outbox entry per vendor sync — all in the caller's transaction, so the HTTP answer is only given
 * after everything is durable. The sync entries' idempotency keys are a digest of what the vendors
 * receive, so a repeat signup that changes nothing adds no work, and a real change adds exactly one.
 */
export async function captureSignup(
	tx: SqlExecutor,
	input: {
		launch: string;
		signup: ValidSignup;
		policy: CapturePolicy;
		source: string;
		/** The Origin header of the request (null: none sent), kept with consent a repeat signup raises. */
		origin?: string | null;
		consentText?: string;
		isTest?: boolean;
		now?: number;
		/**
		 * Claim the new sync entries for the workflow run this signup starts, so that run can call the
		 * vendors and ack them, with the queued-run lease (outbox/keep-alive.ts) unless leaseMs is given.
		 * If the run dies, the lease expires and the drain picks them up. Left out in spike mode.
		 */
		claimFor?: { workerId: string; leaseMs?: number };
		/** Check the signup for abuse signals (left out: no checks, nothing flagged). */
		abuse?: CaptureAbuseInput;
		/** Double opt-in (left out: off): a new person confirms their address before syncs go out and their referral counts. */
		doubleOptIn?: DoubleOptInOptions;
	},
): Promise<CaptureResult> {
	const now = input.now ?? Date.now();
	const attribution = attributionToStore(input.signup, input.policy);
	const consent: Record<string, unknown> = input.signup.consentGiven
		? { marketing: true, marketing_at: new Date(now).toISOString(), ...(input.consentText ? { marketing_text: input.consentText } : {}) }
		: {};
	const result = await upsertContact(tx, {
		launch: input.launch,
		email: input.signup.email,
		phone: input.signup.phone,
		fields: input.signup.fields,
		attribution: Object.keys(attribution).length ? { ...attribution, at: now } : undefined,
		consent,
		source: input.source,
		isTest: input.isTest,
		receivedAt: now,
	});
	if (!result.created) {
		// A repeat signup of someone already on the list may change nothing else; the launch monitor
		// counts repeats by this event (the events index on launch, type and time).
		await recordEvent(tx, { launch: input.launch, contactId: result.contactId, type: 'signup.repeated', source: input.source, at: now });
		// Whoever knows an address can post it with the box ticked: the contact's history says from
		// which site (Origin) consent was raised this way. With double opt-in (issue 19) this consent
		// should wait for the confirmation link instead of applying at once.
		const raised = result.changes['consent.marketing'];
		if (raised && raised.after === true) {
			const data = { key: 'marketing', before: raised.before, after: true, by: 'repeat_signup', origin: input.origin ?? null };
			await recordEvent(tx, { launch: input.launch, contactId: result.contactId, type: 'consent.raised', source: input.source, data, at: now });
		}
	}
	const verdict = input.abuse ? await signupAbuse(tx, input, input.abuse, result, now) : { signals: [], flagged: false };
	// Before the syncs: a person who must confirm their address first has them wait (status unconfirmed).
	const optin = await enterSignupOptIn(tx, { launch: input.launch, contactId: result.contactId, created: result.created, email: input.signup.email ?? null, options: input.doubleOptIn, secret: input.policy.secret, now, source: input.source });
	const pendingSync = await enqueueSignupSync(tx, input.launch, input.policy.syncKinds, result);
	// The confirmation email goes with the syncs (held with them when the signup is flagged), but it is
	// not claimed for this signup's run: the Double opt-in emails template sends it (its own SMTP step,
	// so the signup template needs no mail credential while double opt-in is off).
	if (optin.email) pendingSync.unshift({ id: optin.email.id, kind: CONFIRMATION_EMAIL_KIND, created: optin.email.created, status: optin.email.status });
	// A flagged contact's syncs wait for a person (Clear / Confirm as spam on the review desk), when the creator chose so.
	const heldSync = verdict.flagged && input.abuse?.settings.holdFlaggedSync
		? await holdSyncForReview(tx, { launch: input.launch, contactId: result.contactId, entryIds: pendingSync.map((p) => p.id), source: input.source, now })
		: [];
	for (const p of pendingSync) if (heldSync.includes(p.id)) p.status = 'flagged';
	const fresh = pendingSync.filter((p) => p.created && !heldSync.includes(p.id) && p.kind !== CONFIRMATION_EMAIL_KIND).map((p) => p.id);
	const claimedSync = input.claimFor ? await claimForRun(tx, input.launch, fresh, input.claimFor, now) : [];
	const abuse = { signals: verdict.signals.map((f) => f.signal), flagged: verdict.flagged, heldSync };
	// Last: it takes the launch's line lock, held only until the commit. A flagged signup's referral
	// waits (withheld) until a person clears the flag on the review desk.
	// An unconfirmed signup's referral waits for the confirmation link (double opt-in).
	const withholdReason = verdict.flagged ? `flagged: ${abuse.signals.join(', ') || 'an undecided abuse flag'}` : optin.status === 'unconfirmed' ? UNCONFIRMED_REASON : null;
	const referral = await enterSignupReferrals(tx, { launch: input.launch, contactId: result.contactId, created: result.created, referralCode: input.signup.referralCode, now, source: input.source, withholdReason });
	const espSync = claimedSync.find((entry) => entry.kind === REFERRAL_FIELDS_KIND);
	const fields = espSync ? await currentFields(tx, input.launch, result.contactId) : null;
	if (espSync && fields) espSync.referralFields = fields;
	return { ...result, attribution, consent, pendingSync, claimedSync, abuse, referral, optin };
}

/** The new sync entries, claimed for the run this signup starts. */
async function claimForRun(tx: SqlExecutor, launch: string, ids: string[], claimFor: { workerId: string; leaseMs?: number }, now: number): Promise<CaptureResult['claimedSync']> {
	if (ids.length === 0) return [];
	// The clock now, not `now`: the entries were enqueued due at their own (later) insert time, and a
	// claim at the earlier `now` would find them not yet due whenever the millisecond had turned.
	const claimed = await claimDueOutboxEntries(tx, { launch, ids, limit: ids.length, leaseMs: claimFor.leaseMs ?? QUEUED_RUN_LEASE_MS, workerId: claimFor.workerId, now: Math.max(now, Date.now()) });
	return claimed.map((entry) => ({ id: entry.id, kind: entry.kind, claimToken: entry.claimToken, idempotencyKey: entry.idempotencyKey }));
}

function signupAbuse(tx: SqlExecutor, input: { launch: string; signup: ValidSignup; source: string }, abuse: CaptureAbuseInput, result: UpsertContactResult, now: number) {
	return assessSignup(tx, {
		launch: input.launch,
		contactId: result.contactId,
		created: result.created,
		email: input.signup.email ? normalizeEmail(input.signup.email).value : null,
		remoteAddress: abuse.remoteAddress,
		captcha: abuse.captcha,
		settings: abuse.settings,
		secret: abuse.secret,
		source: input.source,
		now,
	});
}

/** One sync entry per kind, keyed by what the vendors receive (see syncDigest); a woken phone-first sync is adopted. */
async function enqueueSignupSync(tx: SqlExecutor, launch: string, syncKinds: readonly string[], result: UpsertContactResult): Promise<CaptureResult['pendingSync']> {
	const digest = await syncDigest(tx, result.contactId);
	const pendingSync: CaptureResult['pendingSync'] = [];
	for (const kind of syncKinds) {
		const idempotencyKey = `${kind}:${result.contactId}:${digest}`;
		// This signup linked the email a phone-first contact's ESP sync waited for: that entry is its sync.
		const adopted = await adoptWokenSync(tx, { launch, contactId: result.contactId, kind, idempotencyKey });
		if (adopted) {
			pendingSync.push({ id: adopted.id, kind, created: true, status: adopted.status });
			continue;
		}
		const entry = await enqueueOutboxEntry(tx, {
			launch,
			kind,
			idempotencyKey,
			contactId: result.contactId,
			payload: { contactId: result.contactId, reason: result.created ? 'signup' : 'signup_update' },
		});
		pendingSync.push({ id: entry.id, kind, created: entry.created, status: entry.status });
	}
	return pendingSync;
}

/** The launch's canonical key and phone country, which decide what a signup must carry. */
export async function captureContext(tx: SqlExecutor, launch: string): Promise<{ canonicalKey: 'email' | 'phone' | 'customer_id'; defaultCountry: string }> {
	const settings = await getLaunchSettings(tx, launch);
	return { canonicalKey: settings.canonicalKey, defaultCountry: settings.defaultCountry };
}

/** The launch's secret for signing form timestamps and hashing attribution; created once. */
export async function captureSecret(tx: SqlExecutor, launch: string): Promise<string> {
	await tx.execute('INSERT INTO capture_secrets (launch, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (launch) DO NOTHING', [
		launch,
		randomBytes(32).toString('hex'),
		Date.now(),
	]);
	const [row] = await tx.query<{ secret: string }>('SELECT secret FROM capture_secrets WHERE launch = $1', [launch]);
	return row!.secret;
}

