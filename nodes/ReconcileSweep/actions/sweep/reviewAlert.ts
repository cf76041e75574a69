import type { IDataObject } from 'n8n-workflow';

import type { VendorSystem } from '../../../../ledger';
import { reviewUrlOf, withReviewAlert, type ReviewAlert } from '../../../shared/reviewLink';

/** The vendor list a finding came from, as the template names it. */
const SYSTEMS: Record<VendorSystem, string> = {
	esp: 'your email platform (the ESP list)',
	crm: 'your CRM',
	checkout: 'your checkout (the orders list)',
	delivery: 'your course platform (the enrollments list)',
};

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function duplicateAlert(json: IDataObject, where: string): Omit<ReviewAlert, 'reviewUrl'> {
	const extra = typeof json.extraRecords === 'number' ? json.extraRecords : null;
	const key = text(json.email) ?? text(json.orderId) ?? text(json.enrollment) ?? 'one key';
	return {
		headline: `${where} has the same record more than once`,
		who: key,
		rule: `duplicate (${extra === null ? 'more than one record' : `${extra + 1} records`} for ${key}; the sweep compares only the first)`,
		todo: `Merge or delete the extra records in ${where}; the next sweep then compares it again.`,
	};
}

function alertParts(json: IDataObject): Omit<ReviewAlert, 'reviewUrl'> {
	const where = SYSTEMS[json.system as VendorSystem] ?? String(json.system ?? 'a vendor list');
	switch (json.finding) {
		case 'purchase_without_contact':
			return {
				headline: 'a paid order in your checkout has no contact in the ledger, so no access was given',
				who: text(json.email) ? `${String(json.email)} (the email on the order; no contact has it)` : 'unknown (the order has no email)',
				paid: [`order ${String(json.orderId ?? '?')}`, text(json.productId) ? `for ${String(json.productId)}` : null].filter(Boolean).join(' '),
				rule: 'purchase_without_contact (the order matches no contact by its purchase or its email)',
				todo: 'Match it to a contact on the review desk (search by email or name); the grant is sent once. Or dismiss it with a reason if it is not a buyer of this launch.',
			};
		case 'duplicate':
			return duplicateAlert(json, where);
		case 'invalid_record':
			return {
				headline: `a record in ${where} could not be read`,
				who: text(json.email) ?? text(json.orderId) ?? text(json.id) ?? null,
				rule: 'invalid_record (no usable email or ID where the field mapping looks)',
				todo: `Fix the record in ${where}, or the field mapping on "Reconcile Sweep: compare" if every record is like this.`,
			};
		case 'unknown_in_ledger':
			return {
				headline: `${where} has someone the ledger does not know`,
				who: text(json.email),
				rule: 'unknown_in_ledger (no contact with this email)',
				todo: 'Add them with Waitlist Contact → Create or Update if they belong to this launch; otherwise nothing to do.',
			};
		default:
			return { headline: `the sweep found something in ${where} (${String(json.finding)})`, rule: String(json.finding), todo: 'Look at the item on the review desk.' };
	}
}

/** A sweep's Review item with `reviewUrl` (its item on the desk, or the desk when the finding has none) and the alert `text`. */
export function sweepReviewJson(json: IDataObject, deskUrl: string): IDataObject {
	return withReviewAlert(json, { ...alertParts(json), reviewUrl: reviewUrlOf(deskUrl, text(json.reviewId)) });
}
