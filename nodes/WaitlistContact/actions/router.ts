import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { DONE_REVIEW_KEYS, runForEachItem, type FieldLabels, type ItemOperation } from '../../shared/runner';
import { CONTACT_FIELD_LABELS } from './common.descriptions';
import * as contact from './contact/Contact.resource';
import * as launchSetting from './launchSetting/LaunchSetting.resource';
import type { ContactNodeOperations } from './node.type';

const OPERATIONS: { [R in keyof ContactNodeOperations]: Record<ContactNodeOperations[R], ItemOperation> } = {
	contact: {
		upsert: contact.upsert.execute,
		get: contact.get.execute,
		find: contact.find.execute,
		link: contact.link.execute,
		merge: contact.merge.execute,
		unmerge: contact.unmerge.execute,
		forget: contact.forget.execute,
		history: contact.history.execute,
		place: contact.place.execute,
		referrals: contact.referrals.execute,
		confirmOptIn: contact.confirmOptIn.execute,
		unconfirmed: contact.unconfirmed.execute,
	},
	launchSetting: { get: launchSetting.get.execute, update: launchSetting.update.execute },
};

const LABELS: Record<keyof ContactNodeOperations, FieldLabels> = {
	contact: CONTACT_FIELD_LABELS,
	launchSetting: launchSetting.SETTING_FIELD_LABELS,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0, 'contact') as keyof ContactNodeOperations;
	const operation = this.getNodeParameter('operation', 0) as string;
	const execute = (OPERATIONS[resource] as Record<string, ItemOperation> | undefined)?.[operation];
	if (!execute) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`);
	return runForEachItem(this, { keys: DONE_REVIEW_KEYS, errorOutput: 'done', labels: LABELS[resource] }, execute);
}
