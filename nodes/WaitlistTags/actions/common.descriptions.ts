import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError } from '../../../ledger';
import { splitList } from '../../shared/parameters';
import type { FieldLabels } from '../../shared/runner';

/** One tag by name (registry operations); each says what kind of tag it wants. */
export function tagProperty(placeholder: string, description: string): INodeProperties {
	return { displayName: 'Tag', name: 'tag', type: 'string', default: '', required: true, placeholder, description };
}

export const tagsProperty: INodeProperties = {
	displayName: 'Tags',
	name: 'tags',
	type: 'string',
	default: '',
	required: true,
	placeholder: 'e.g. Early Bird, webinar-attendee',
	description:
		'Comma-separated tag names, or an expression giving a list. "Early Bird", "early_bird" and "early-bird" are the same tag; aliases in the registry are followed.',
};

/** The tags parameter as text or as a list (an expression may give either); the ledger checks the rest. */
export function tagsOf(ctx: IExecuteFunctions, itemIndex: number): string[] {
	const value = ctx.getNodeParameter('tags', itemIndex, '') as unknown;
	if (Array.isArray(value)) return value.map((t) => (typeof t === 'string' ? t : JSON.stringify(t)));
	const text = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
	const list = splitList(text);
	if (list.length === 0) throw new LedgerInputError('tags', 'is empty; give at least one tag, e.g. "early-bird"');
	return list;
}

/** Ledger field names → the parameter names a user sees in this node. */
export const TAG_FIELD_LABELS: FieldLabels = {
	launch: 'Launch',
	contactId: 'Contact ID',
	tags: 'Tags',
	tag: 'Tag',
	kind: 'Kind',
	description: 'Description',
	aliases: 'Aliases',
	alias: 'Alias',
	registry: 'Registry JSON',
};
