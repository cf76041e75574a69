import type { MergePolicy } from '../settings/settings';

/**
 * How one profile field's stored value meets an incoming one. Pure, so the central promise — no
 * policy ever replaces a value with an empty one — is property-tested without a database.
 *
 * Each value carries the time it was observed (epoch ms), so first-wins and last-wins mean "earliest
 * / latest observation" even when upserts arrive out of order:
 *   fill-empty  write only into an empty field (the default)
 *   first-wins  keep the earliest observed non-empty value
 *   last-wins   keep the latest observed non-empty value
 *   never       set when the contact is created, never changed afterwards
 *   union       lists: add what is new, keep what is there
 */
export interface ObservedValue {
	value: unknown;
	at: number;
}

export function isEmptyValue(value: unknown): boolean {
	if (value === undefined || value === null) return true;
	if (typeof value === 'string') return value.trim() === '';
	if (Array.isArray(value)) return value.every(isEmptyValue);
	return false;
}

function asList(value: unknown): unknown[] {
	if (isEmptyValue(value)) return [];
	return Array.isArray(value) ? value.filter((v) => !isEmptyValue(v)) : [value];
}

/** Union keeping first-seen order; items compare by their JSON. */
function unionLists(existing: unknown, incoming: unknown): unknown[] {
	const out = asList(existing);
	const seen = new Set(out.map((v) => JSON.stringify(v)));
	for (const item of asList(incoming)) {
		const key = JSON.stringify(item);
		if (!seen.has(key)) {
			seen.add(key);
			out.push(item);
		}
	}
	return out;
}

/**
 * The field after merging. `existing` is undefined when the field has never been set;
 * `creating` is true on the upsert that creates the contact (only then does `never` write).
 */
export function mergeFieldValue(
	policy: MergePolicy,
	existing: ObservedValue | undefined,
	incoming: ObservedValue,
	creating = false,
): ObservedValue | undefined {
	if (isEmptyValue(incoming.value)) return existing;
	const stored = existing && !isEmptyValue(existing.value) ? existing : undefined;
	switch (policy) {
		case 'never':
			return creating && !stored ? incoming : existing;
		case 'fill-empty':
			return stored ? existing : incoming;
		case 'first-wins':
			return !stored || incoming.at < stored.at ? incoming : existing;
		case 'last-wins':
			return !stored || incoming.at >= stored.at ? incoming : existing;
		case 'union': {
			const merged = unionLists(stored?.value, incoming.value);
			return { value: merged, at: Math.max(stored?.at ?? incoming.at, incoming.at) };
		}
	}
}

export interface ProfileState {
	profile: Record<string, unknown>;
	/** When each field's current value was observed. */
	fieldTimes: Record<string, number>;
}

export interface ProfileMergeResult extends ProfileState {
	changes: Record<string, { before: unknown; after: unknown }>;
}

/** Merges incoming fields into a profile, field by field, under each field's policy. */
export function mergeProfile(
	state: ProfileState,
	incoming: Record<string, unknown>,
	at: number,
	policyOf: (field: string) => MergePolicy,
	options: { creating?: boolean; incomingTimes?: Record<string, number> } = {},
): ProfileMergeResult {
	const profile = { ...state.profile };
	const fieldTimes = { ...state.fieldTimes };
	const changes: ProfileMergeResult['changes'] = {};
	for (const [field, value] of Object.entries(incoming)) {
		const existing = field in profile ? { value: profile[field], at: fieldTimes[field] ?? 0 } : undefined;
		const next = mergeFieldValue(policyOf(field), existing, { value, at: options.incomingTimes?.[field] ?? at }, options.creating);
		if (!next || next === existing) continue;
		if (JSON.stringify(next.value) !== JSON.stringify(existing?.value)) {
			changes[field] = { before: existing?.value ?? null, after: next.value };
		}
		profile[field] = next.value;
		fieldTimes[field] = next.at;
	}
	return { profile, fieldTimes, changes };
}
