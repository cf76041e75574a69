import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { LedgerInputError, type ActionBy, type ActionResult, type Ledger } from '../../../../ledger';
import { contactIdProperty, requiredText, sourceOf, textParameter } from '../../../shared/parameters';
import { done } from '../../../shared/runner';
import { actionJson, reviewIdOf, type ReviewOperation } from '../common';

type Action = 'matchPurchase' | 'replay' | 'merge' | 'keepApart' | 'giveAccess' | 'takeAccess';

/** Each action, one ledger call; `contactId` only where the action names a contact. */
const ACTIONS: Record<Action, (ledger: Ledger, input: ActionBy, ctx: IExecuteFunctions, itemIndex: number) => Promise<ActionResult>> = {
	matchPurchase: (ledger, input, ctx, itemIndex) =>
		ledger.review.matchPurchase({ ...input, contactId: requiredText(ctx, 'contactId', itemIndex, '{{ $json.contactId }} from Waitlist Contact → Find') }),
	replay: (ledger, input) => ledger.review.replay(input),
	merge: (ledger, input, ctx, itemIndex) => ledger.review.merge({ ...input, keep: textParameter(ctx, 'keep', itemIndex) === 'contact' ? 'contact' : 'other' }),
	keepApart: (ledger, input) => ledger.review.keepApart(input),
	giveAccess: (ledger, input, ctx, itemIndex) => ledger.review.pin({ ...input, ...pinTarget(ctx, itemIndex), pin: 'grant' }),
	takeAccess: (ledger, input, ctx, itemIndex) => ledger.review.pin({ ...input, ...pinTarget(ctx, itemIndex), pin: 'revoke' }),
};

/** The item's contact and product unless the user names others (an unknown buyer's item names no contact). */
function pinTarget(ctx: IExecuteFunctions, itemIndex: number): { contactId?: string; productId?: string } {
	const contactId = textParameter(ctx, 'pinContactId', itemIndex);
	const productId = textParameter(ctx, 'pinProductId', itemIndex);
	return { ...(contactId ? { contactId } : {}), ...(productId ? { productId } : {}) };
}

const show = (actions: Action[]) => ({ show: { operation: ['resolve'], resolveWith: actions } });

export const description: INodeProperties[] = [
	{
		displayName: 'Action',
		name: 'resolveWith',
		type: 'options',
		noDataExpression: true,
		default: 'matchPurchase',
		description: 'What to do about the item; the item closes with By and Reason, and acting on it again says who already did',
		options: [
			{ name: 'Give Access', value: 'giveAccess', description: 'Grant the item\'s contact access to its product by hand (a pin), e.g. a coupon you gave' },
			{ name: 'Keep Apart', value: 'keepApart', description: 'Two contacts are different people: both stay as they are' },
			{
				name: 'Match Purchase to Contact',
				value: 'matchPurchase',
				description: 'A payment nobody matched belongs to this contact: their paid email is linked and the grant is sent once',
			},
			{ name: 'Merge Contacts', value: 'merge', description: 'Two contacts are one person: merge them (Waitlist Contact → Unmerge undoes it)' },
			{ name: 'Replay Delivery', value: 'replay', description: 'The cause was fixed elsewhere (e.g. the product defined): decide the payment again' },
			{ name: 'Take Access Away', value: 'takeAccess', description: 'Revoke the item\'s contact\'s access to its product by hand (a pin), e.g. a shared login' },
		],
		displayOptions: { show: { operation: ['resolve'] } },
	},
	contactIdProperty({
		placeholder: 'e.g. {{ $json.contactId }}',
		description: 'The contact who paid, e.g. {{ $json.contactId }} after a Waitlist Contact → Find by the buyer\'s other email',
		displayOptions: show(['matchPurchase']),
	}),
	{
		displayName: 'Contact ID',
		name: 'pinContactId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.contactId }}',
		description: 'Whose access; leave empty for the contact the item is about. Needed when the item names no contact (a buyer nobody matched).',
		displayOptions: show(['giveAccess', 'takeAccess']),
	},
	{
		displayName: 'Product ID',
		name: 'pinProductId',
		type: 'string',
		default: '',
		placeholder: 'e.g. course-101',
		description: 'Which product, as defined with Purchase Match → Product → Define; leave empty for the product the item names',
		displayOptions: show(['giveAccess', 'takeAccess']),
	},
	{
		displayName: 'Keep',
		name: 'keep',
		type: 'options',
		default: 'other',
		options: [
			{ name: 'The Contact That Already Has the Email (or Other Identifier)', value: 'other' },
			{ name: 'The Contact the Item Is About', value: 'contact' },
		],
		description: 'Which of the two contacts remains; the other is merged into it',
		displayOptions: show(['merge']),
	},
];

/** Settle the item with the chosen action; the ledger refuses an item that is closed already ("already resolved by X at T"). */
export const execute: ReviewOperation = async function (ledger, itemIndex) {
	const action = textParameter(this, 'resolveWith', itemIndex) as Action;
	const run = ACTIONS[action];
	if (!run) throw new LedgerInputError('resolveWith', `"${action}" is not an action; pick one of Match Purchase to Contact, Replay Delivery, Merge Contacts, Keep Apart, Give Access, Take Access Away`);
	const input: ActionBy = {
		reviewId: reviewIdOf(this, itemIndex),
		by: requiredText(this, 'by', itemIndex, '"sam@example.com"'),
		reason: requiredText(this, 'reason', itemIndex, '"the buyer wrote from her work address"'),
		source: sourceOf(this),
	};
	return [done(actionJson(action, await run(ledger, input, this, itemIndex)))];
};
