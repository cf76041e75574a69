import { LedgerInputError } from './errors';
import { replaceUntypeable } from './normalize';

/**
 * First and last touch. A touch is the set of campaign parameters seen with one signup or visit;
 * the first touch is the earliest one ever seen (kept when later ones arrive), the last touch is the
 * latest. Out-of-order arrivals are placed by their `at`.
 */
export const ATTRIBUTION_KEYS = [
	'utm_source',
	'utm_medium',
	'utm_campaign',
	'utm_term',
	'utm_content',
	'gclid',
	'fbclid',
	'ttclid',
	'msclkid',
	'referrer',
	'landing_url',
] as const;

export type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];

/** What a landing page's URL carries: campaign parameters and click ids (not the referrer, not the page itself). */
export const CLICK_AND_CAMPAIGN_KEYS: readonly AttributionKey[] = ATTRIBUTION_KEYS.filter((k) => k !== 'referrer' && k !== 'landing_url');

export type Touch = Partial<Record<AttributionKey, string>> & { at: number };

export type AttributionInput = Partial<Record<AttributionKey, unknown>> & { at?: unknown };

const MAX_VALUE_LENGTH = 2000;

/**
 * Validates and trims a touch. Returns null when it carries no attribution at all (a direct visit),
 * so it neither sets nor moves either touch.
 */
export function normalizeTouch(input: unknown, defaultAt: number, field = 'attribution'): Touch | null {
	if (input === undefined || input === null) return null;
	if (typeof input !== 'object' || Array.isArray(input)) {
		throw new LedgerInputError(field, 'must be an object such as {"utm_source": "newsletter"}');
	}
	const touch: Touch = { at: defaultAt };
	let any = false;
	for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
		if (key === 'at') {
			const at = typeof raw === 'string' ? Date.parse(raw) : raw;
			if (raw === undefined || raw === null || raw === '') continue;
			if (typeof at !== 'number' || !Number.isFinite(at)) {
				throw new LedgerInputError(`${field}.at`, `must be epoch milliseconds or an ISO date; got ${JSON.stringify(raw)}`);
			}
			touch.at = at;
			continue;
		}
		if (!(ATTRIBUTION_KEYS as readonly string[]).includes(key)) {
			throw new LedgerInputError(`${field}.${key}`, `is not an attribution key; expected one of ${ATTRIBUTION_KEYS.join(', ')}, at`);
		}
		if (raw === undefined || raw === null) continue;
		if (typeof raw !== 'string' && typeof raw !== 'number') {
			throw new LedgerInputError(`${field}.${key}`, `must be text; got ${typeof raw}`);
		}
		const value = replaceUntypeable(String(raw).trim());
		if (value === '') continue;
		if (value.length > MAX_VALUE_LENGTH) {
			throw new LedgerInputError(`${field}.${key}`, `is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are kept`);
		}
		touch[key as AttributionKey] = value;
		any = true;
	}
	return any ? touch : null;
}

export interface TouchState {
	firstTouch: Touch | null;
	lastTouch: Touch | null;
}

/** The touches after seeing `touch`; unchanged objects are returned as they were. */
export function applyTouch(state: TouchState, touch: Touch | null): TouchState {
	if (!touch) return state;
	return {
		firstTouch: !state.firstTouch || touch.at < state.firstTouch.at ? touch : state.firstTouch,
		lastTouch: !state.lastTouch || touch.at >= state.lastTouch.at ? touch : state.lastTouch,
	};
}

/** Combining two contacts' touches (merge): earliest first touch, latest last touch. */
export function combineTouches(a: TouchState, b: TouchState): TouchState {
	return applyTouch(applyTouch(a, b.firstTouch), b.lastTouch);
}
