import { updateDisplayOptions, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../../../ledger';
import { launchOf, requiredText } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';
import { identifierKindOf, identifierProperties } from '../common.descriptions';
import { contactJson } from './get.operation';

const properties: INodeProperties[] = [...identifierProperties];

export const description = updateDisplayOptions({ show: { operation: ['find'] } }, properties);

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	const kind = identifierKindOf(this, itemIndex);
	const value = requiredText(this, 'identifierValue', itemIndex, '"ada@example.com"');
	const contact = await ledger.contacts.find({ launch, kind, value });
	// Not found is an answer, not a failure: the item says so, and the workflow can branch on "found".
	if (!contact) return [done({ found: false, contactId: null, launch, identifier: { kind, value } })];
	return [done({ found: true, ...contactJson(contact) })];
}
