import { LedgerInputError } from '../errors';
import { normalizeIdentifier, type NormalizedIdentifier } from '../normalize';
import type { LaunchSettings } from '../settings/settings';
import { isEmptyValue } from './field-merge';

export interface IdentifierInput {
	/** email, phone, customer_id, purchase_token or ext:<system> (e.g. ext:mailchimp). */
	kind: string;
	value: string;
}

export interface UpsertContactInput {
	launch: string;
	/** Required when the launch's canonical key is email (the default). */
	email?: string;
	/** Required when the canonical key is phone. Read in the launch's default country without +code. */
	phone?: string;
	/** Required when the canonical key is customer_id. */
	customerId?: string;
	/** Further identifiers to link (ESP/CRM record ids, a second email …). Conflicts go to review. */
	identifiers?: IdentifierInput[];
	/** Profile fields such as first_name; merged per the launch's merge policy. */
	fields?: Record<string, unknown>;
	/** Campaign parameters of this touch; sets first touch once, moves last touch. */
	attribution?: Record<string, unknown>;
	/** Consent flags, e.g. { marketing_email: true }; later values replace earlier ones per key. */
	consent?: Record<string, unknown>;
	/** Tags to apply, resolved through the launch's tag registry and unknown-tag policy. */
	tags?: string[] | string;
	source?: string;
	isTest?: boolean;
	/** When the data was observed (epoch ms); orders first-/last-wins. */
	receivedAt?: number;
	/** True when this is a replay of an old entry (inbox, outbox, sweep). Like every upsert, it never re-creates a forgotten person. */
	replay?: boolean;
}

const RESERVED_FIELDS = new Set(['email', 'phone', 'customer_id', 'first_touch', 'last_touch', 'consent', 'tags']);

export function validateLaunch(launch: unknown): string {
	if (typeof launch !== 'string' || launch.trim() === '') throw new LedgerInputError('launch', 'is required, e.g. "default"');
	return launch.trim();
}

export function validateFields(fields: unknown): Record<string, unknown> {
	if (fields === undefined || fields === null) return {};
	if (typeof fields !== 'object' || Array.isArray(fields)) throw new LedgerInputError('fields', 'must be an object such as {"first_name": "Ada"}');
	for (const key of Object.keys(fields)) {
		if (RESERVED_FIELDS.has(key)) {
			throw new LedgerInputError(`fields.${key}`, `is not a profile field: pass ${key} as its own input (email, phone, customerId, attribution, consent or tags)`);
		}
	}
	return fields as Record<string, unknown>;
}

export function validateConsent(consent: unknown): Record<string, unknown> {
	if (consent === undefined || consent === null) return {};
	if (typeof consent !== 'object' || Array.isArray(consent)) throw new LedgerInputError('consent', 'must be an object such as {"marketing_email": true}');
	return Object.fromEntries(Object.entries(consent).filter(([, v]) => v !== undefined && v !== null && v !== ''));
}

export function identifierOptions(settings: LaunchSettings) {
	return { defaultCountry: settings.defaultCountry, gmail: settings.gmailNormalization };
}

/** The identifiers of an upsert, canonical first. */
export function collectIdentifiers(input: UpsertContactInput, settings: LaunchSettings): NormalizedIdentifier[] {
	const opts = identifierOptions(settings);
	const named: Record<string, { value: unknown; field: string }> = {
		email: { value: input.email, field: 'email' },
		phone: { value: input.phone, field: 'phone' },
		customer_id: { value: input.customerId, field: 'customerId' },
	};
	const canonical = named[settings.canonicalKey]!;
	if (isEmptyValue(canonical.value)) {
		const example = settings.canonicalKey === 'email' ? 'e.g. "ada@example.com"' : settings.canonicalKey === 'phone' ? 'e.g. "+1 415 555 2671"' : 'e.g. "cus_123"';
		throw new LedgerInputError(canonical.field, `is required (${example}): this launch matches contacts by ${settings.canonicalKey}`);
	}
	const ids = [normalizeIdentifier(settings.canonicalKey, canonical.value, { ...opts, field: canonical.field })];
	for (const [kind, { value, field }] of Object.entries(named)) {
		if (kind === settings.canonicalKey || isEmptyValue(value)) continue;
		ids.push(normalizeIdentifier(kind, value, { ...opts, field }));
	}
	if (input.identifiers !== undefined && !Array.isArray(input.identifiers)) {
		throw new LedgerInputError('identifiers', 'must be a list like [{"kind": "ext:mailchimp", "value": "abc123"}]');
	}
	for (const [i, extra] of (input.identifiers ?? []).entries()) {
		if (!extra || typeof extra !== 'object') throw new LedgerInputError(`identifiers[${i}]`, 'must be {"kind": …, "value": …}');
		ids.push(normalizeIdentifier(String(extra.kind), extra.value, { ...opts, field: `identifiers[${i}].value` }));
	}
	const seen = new Set<string>();
	return ids.filter((id) => {
		const key = `${id.kind}\u0000${id.value}`;
		if (seen.has(key)) return false;
		seen.add(key);
		return true;
	});
}
