import { domainToASCII, domainToUnicode } from 'node:url';

/**
 * Lookalike addresses: "аda@example.com" with a Cyrillic а is a different mailbox, so it is a
 * different identifier — but mixed into Latin letters it is far more likely a spoof or a paste
 * accident than a person. Its skeleton (Cyrillic and Greek letters that look Latin replaced by the
 * Latin ones) names the address it imitates; the ledger flags a possible duplicate when a contact
 * holds that address (contacts/lookalike.ts). Pure: no database.
 */

// Lowercase letters only: keys are lowercased before this runs. The Cyrillic and Greek letters that
// look like a Latin one in common fonts (from Unicode's confusables.txt), not the whole table.
const TO_LATIN: Record<string, string> = {
	// Cyrillic
	а: 'a', е: 'e', ё: 'ë', һ: 'h', і: 'i', ї: 'ï', ј: 'j', к: 'k', ӏ: 'l', о: 'o', р: 'p', ԛ: 'q', ѕ: 's', у: 'y', ѵ: 'v', ԝ: 'w',
	х: 'x', ԁ: 'd', с: 'c',
	// Greek
	α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w', ϲ: 'c', ϳ: 'j',
};

const LATIN = /\p{Script=Latin}/u;
const OTHER = /[\p{Script=Cyrillic}\p{Script=Greek}]/u;

/** Whether one part (a local part or one domain label) mixes Latin with Cyrillic or Greek letters. */
function mixesScripts(part: string): boolean {
	return LATIN.test(part) && OTHER.test(part);
}

function toLatin(part: string): string {
	return Array.from(part, (ch) => TO_LATIN[ch] ?? ch).join('');
}

/**
 * The address a mixed-script email key imitates, as a key ("ada@example.com" for "аda@example.com"),
 * or null when no part mixes scripts or nothing changes. Takes a normalized key (normalizeEmail).
 */
export function emailSkeleton(key: string): string | null {
	const at = key.lastIndexOf('@');
	if (at < 1) return null;
	const local = key.slice(0, at);
	const labels = domainToUnicode(key.slice(at + 1)).split('.');
	if (!mixesScripts(local) && !labels.some(mixesScripts)) return null;
	// Only mixed parts are mapped: an all-Cyrillic label (пример.рф) is a real name in its own script.
	const skeletonLocal = mixesScripts(local) ? toLatin(local) : local;
	const domain = domainToASCII(labels.map((label) => (mixesScripts(label) ? toLatin(label) : label)).join('.'));
	if (domain === '') return null;
	const skeleton = `${skeletonLocal}@${domain}`;
	return skeleton === key ? null : skeleton;
}
