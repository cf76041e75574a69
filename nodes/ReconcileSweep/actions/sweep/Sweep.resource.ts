import type { INodeProperties } from 'n8n-workflow';

import * as compare from './compare.operation';
import * as findDueWork from './findDueWork.operation';

export { compare, findDueWork };

export const operationProperty: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Compare With Vendors',
				value: 'compare',
				description: 'Compare the lists wired into the inputs (ESP, CRM, checkout, delivery) with the ledger and fix every difference',
				action: 'Compare vendor lists with the ledger',
			},
			{
				name: 'Find Due Work',
				value: 'findDueWork',
				description: 'Claim outbox entries that are due again: retries whose time has come and claims whose run stopped',
				action: 'Find due outbox work',
			},
		],
		default: 'compare',
	},
];

export const description: INodeProperties[] = [...compare.description, ...findDueWork.description];
