import type { SqlExecutor } from '../store';
import { hasOpenFlags, recordAbuseFlags, type NewAbuseFlag } from './flags';
import { disposableDomainOf, emailPatternKey, networkOf, type AbuseSettings, type CaptchaOutcome } from './rules';
import { countInWindow, pruneCounters } from './velocity';

export interface SignupAbuseInput {
	launch: string;
	contactId: string;
	/** The signup made a new contact: only new people count towards velocity (a repeat is deduplicated anyway). */
	created: boolean;
	/** The normalized email (lowercased, ASCII domain), if the signup had one. */
	email: string | null;
	/** The sender's address; only its network's HMAC is stored. */
	remoteAddress: string | null;
	captcha?: CaptchaOutcome;
	settings: AbuseSettings;
	secret: string;
	source?: string;
	now: number;
}

export interface SignupAbuseVerdict {
	/** The signals this signup raised (new or already on the contact). */
	signals: NewAbuseFlag[];
	/** The contact has a flag no person has decided yet (from this signup or an earlier one). */
	flagged: boolean;
}

async function velocityFlags(tx: SqlExecutor, input: SignupAbuseInput): Promise<NewAbuseFlag[]> {
	const { settings, launch, secret, now } = input;
	const flags: NewAbuseFlag[] = [];
	const windowMinutes = settings.windowMs / 60_000;
	const network = settings.networkLimit > 0 ? networkOf(input.remoteAddress) : null;
	if (network) {
		const place = await countInWindow(tx, { launch, signal: 'network_velocity', key: network, secret, windowMs: settings.windowMs, now });
		if (place > settings.networkLimit) flags.push({ signal: 'network_velocity', detail: { signupsInWindow: place, limit: settings.networkLimit, windowMinutes } });
	}
	const pattern = settings.patternLimit > 0 && input.email ? emailPatternKey(input.email) : null;
	if (pattern) {
		const place = await countInWindow(tx, { launch, signal: 'pattern_velocity', key: pattern, secret, windowMs: settings.windowMs, now });
		// The domain only: the pattern itself is a piece of the address.
		if (place > settings.patternLimit) flags.push({ signal: 'pattern_velocity', detail: { signupsInWindow: place, limit: settings.patternLimit, windowMinutes, domain: pattern.slice(pattern.lastIndexOf('@') + 1) } });
	}
	await pruneCounters(tx, launch, now);
	return flags;
}

function captchaFlag(captcha: CaptchaOutcome | undefined): NewAbuseFlag | null {
	if (!captcha || captcha.outcome === 'passed') return null;
	const detail = { provider: captcha.provider, outcome: captcha.outcome, ...(captcha.detail ? { detail: captcha.detail.slice(0, 200) } : {}) };
	return { signal: captcha.outcome === 'unavailable' ? 'captcha_unchecked' : 'captcha_failed', detail };
}

/**
 * The abuse signals of one accepted signup, in its capture transaction: the disposable-domain list,
 * network and pattern velocity counted in the database, the CAPTCHA outcome. New signals are added
 * to the contact's flag set. Nothing here refuses anyone.
 */
export async function assessSignup(tx: SqlExecutor, input: SignupAbuseInput): Promise<SignupAbuseVerdict> {
	const signals: NewAbuseFlag[] = [];
	const domain = input.email ? input.email.slice(input.email.lastIndexOf('@') + 1) : null;
	const listed = domain ? disposableDomainOf(domain, input.settings) : null;
	if (listed) signals.push({ signal: 'disposable_domain', detail: { domain, listedAs: listed } });
	if (input.created) signals.push(...(await velocityFlags(tx, input)));
	const captcha = captchaFlag(input.captcha);
	if (captcha) signals.push(captcha);
	if (signals.length) await recordAbuseFlags(tx, { launch: input.launch, contactId: input.contactId, flags: signals, source: input.source, now: input.now });
	// A new contact without signals has no flags at all; only a repeat can carry older, undecided ones.
	const flagged = signals.length > 0 || (!input.created && (await hasOpenFlags(tx, input.contactId)));
	return { signals, flagged: flagged && (await hasOpenFlags(tx, input.contactId)) };
}
