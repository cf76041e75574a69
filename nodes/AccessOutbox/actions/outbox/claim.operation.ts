import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { referralLinkFor } from '../../../../ledger';

import { claimedJson, claimOptionProperties, leaseMsOf, workerIdOf } from '../../../shared/claimOptions';
import { launchOf, numberParameter, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import type { OutboxItemOperation } from '../common';

const show = { show: { operation: ['claim'] } };

export const description: INodeProperties[] = [
	{
		displayName: 'Kinds',
		name: 'kinds',
		type: 'string',
		default: '',
		placeholder: 'esp_sync, tag_sync',
		description: 'Only entries of these kinds (comma-separated); empty for all kinds',
		displayOptions: show,
	},
	{
		displayName: 'Batch Size',
		name: 'batchSize',
		type: 'number',
		default: 100,
		typeOptions: { minValue: 1, maxValue: 1000 },
		description: 'Most entries to claim at once — one vendor batch call\'s worth (HubSpot batch upsert takes 100)',
		displayOptions: show,
	},
	...claimOptionProperties({
		show,
		batchOutput: { name: 'One Item with All Entries', value: 'batch', description: 'For vendor batch APIs: {entries: [...]}; ack them with a Split Out first' },
		includeContactDefault: false,
	}),
	{
		displayName: 'Landing Page for Referral Links',
		name: 'referralLinkBase',
		type: 'string',
		default: '',
		placeholder: 'e.g. https://example.com/waitlist',
		description:
			'Your waitlist page (the one on the Waitlist Capture Trigger). Each email-platform sync then carries the person\'s referral link — this address with ?ref=THEIR-CODE — under referral.link, beside their place in line and referral count. Leave empty to send no link.',
		displayOptions: show,
	},
];

/** Adds each ESP sync's referral link (the landing page with ?ref=CODE; empty without a landing page). */
function withReferralLinks(json: IDataObject[], linkBase: string): IDataObject[] {
	for (const item of json) {
		const referral = item.referral as (IDataObject & { code: string }) | undefined;
		if (referral) referral.link = linkBase ? referralLinkFor(linkBase, referral.code, 'referralLinkBase') : '';
	}
	return json;
}

/** Due entries for this run, one item each, or one item with all of them for a vendor batch API. */
export const execute: OutboxItemOperation = async function (ledger, itemIndex) {
	const linkBase = textParameter(this, 'referralLinkBase', itemIndex);
	// A mistyped landing page is refused before anything is claimed (nothing held under a lease).
	if (linkBase) referralLinkFor(linkBase, 'CHECK', 'referralLinkBase');
	const entries = await ledger.outbox.claim({
		launch: launchOf(this, itemIndex),
		kinds: textParameter(this, 'kinds', itemIndex) || undefined,
		limit: numberParameter(this, 'batchSize', itemIndex, 100),
		leaseMs: leaseMsOf(this, itemIndex),
		workerId: workerIdOf(this),
	});
	const json = withReferralLinks(await claimedJson(this, ledger, entries, itemIndex, false), linkBase);
	if (this.getNodeParameter('outputMode', itemIndex, 'entries') === 'batch') return entries.length ? [done({ count: entries.length, entries: json })] : [];
	return json.map(done);
};
