import type { INodeProperties } from 'n8n-workflow';

import type { OutboxAck } from '../../../../ledger';
import { claimProofOf, claimProofProperties, jsonParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxSettlement } from '../common';

export const description: INodeProperties[] = [
	...claimProofProperties('ack'),
	{
		displayName: 'Vendor Response ID',
		name: 'responseId',
		type: 'string',
		default: '',
		placeholder: 'rec_12345',
		description: 'The record or request ID the vendor answered with, kept on the entry',
		displayOptions: { show: { operation: ['ack'] } },
	},
	{
		displayName: 'Options',
		name: 'ackOptions',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { operation: ['ack'] } },
		options: [
			{
				displayName: 'Referral Fields Sent',
				name: 'referralFieldsSent',
				type: 'json',
				default: '',
				description:
					"Only when this step sent the person's referral fields to the email platform itself, as the signup template's Kit step does: the fields it sent — the Waitlist Capture Trigger's sync.esp_sync.referralFields, e.g. {\"code\": \"DJ4N872G\", \"placeInLine\": 12, \"referralCount\": 3}. The outbox drain then does not send them a second time. Leave it out when the step sends no referral fields.",
			},
		],
	},
];

/** Outcome per item: done, already_done, lease_lost (another run holds it now) or not_found. */
export const settlement: OutboxSettlement<OutboxAck> = {
	read(itemIndex) {
		const referralFieldsSent = jsonParameter(this, 'ackOptions.referralFieldsSent', itemIndex, 'referralFieldsSent', '{"code": "DJ4N872G", "placeInLine": 12, "referralCount": 3}');
		return {
			...claimProofOf(this, itemIndex),
			responseId: textParameter(this, 'responseId', itemIndex) || null,
			...(referralFieldsSent === undefined || referralFieldsSent === null ? {} : { referralFieldsSent: referralFieldsSent as OutboxAck['referralFieldsSent'] }),
		};
	},
	async settle(ledger, launch, acks) {
		return (await ledger.outbox.ack(launch, acks)).map((result) => done({ ...result }));
	},
};
