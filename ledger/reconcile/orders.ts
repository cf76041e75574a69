import { closeReviewSubjects, openReviewItem } from '../review/review';
import { orderSubject } from '../review/subjects';
import type { SqlExecutor } from '../store';
import { writeFindings, type Finding } from './findings';
import { ensureFix, markHealed, type Healed } from './fixes';
import { contactsByEmail, markSeen, readEmail } from './lookups';
import type { SweepRun } from './run';
import type { CheckoutOrderRecord, DeliveryEnrollmentRecord, PurchaseFactSource, SystemReport } from './types';

/**
 * Checkout orders and delivery enrollments against the ledger's purchase facts: grants the ledger
 * owes, revokes it owes, and purchases nobody can be matched to. The vendor's status alone never grants.
 */
export async function deliveryBatch(tx: SqlExecutor, run: SweepRun, records: DeliveryEnrollmentRecord[], report: SystemReport, purchases?: PurchaseFactSource): Promise<void> {
	const findings: Finding[] = [];
	const valid: { record: DeliveryEnrollmentRecord; email: string; key: string }[] = [];
	for (const record of records) {
		const email = readEmail(record?.email);
		if (email === null || typeof record.productId !== 'string' || record.productId === '') {
			report.invalid++;
			findings.push({ kind: 'invalid_record', system: 'delivery', contactId: null, data: { email: record?.email ?? null, productId: record?.productId ?? null } });
		} else valid.push({ record, email, key: `${email}|${record.productId}` });
	}
	const contacts = await contactsByEmail(tx, run.launch, valid.map((v) => v.email));
	const duplicates = await markSeen(tx, run, 'delivery', valid.map((v) => ({ key: v.key, contactId: contacts.get(v.email) ?? null })));
	for (const [key, extra] of duplicates) {
		report.duplicates += extra;
		findings.push({ kind: 'duplicate', system: 'delivery', contactId: null, data: { enrollment: key, extraRecords: extra } });
	}
	const pairs = valid.filter((v) => contacts.has(v.email)).map((v) => ({ contactId: contacts.get(v.email)!, productId: v.record.productId }));
	const facts = purchases && pairs.length ? await purchases.forAccess(tx, run.launch, pairs) : [];
	const factByPair = new Map(facts.map((f) => [`${f.contactId}|${f.productId}`, f]));
	const healed: Healed[] = [];
	for (const v of valid) {
		const contactId = contacts.get(v.email);
		if (!contactId) {
			report.unknownInLedger++;
			findings.push({ kind: 'unknown_in_ledger', system: 'delivery', contactId: null, data: { email: v.email, productId: v.record.productId } });
			continue;
		}
		const fact = factByPair.get(`${contactId}|${v.record.productId}`);
		// Enrolled although the ledger says refunded or the dispute was lost: revoke.
		if (fact && (fact.state === 'refunded' || fact.state === 'dispute_lost')) {
			report.revokes++;
			const fix = await ensureFix(tx, run, {
				kind: 'revoke',
				key: `reconcile:revoke:${contactId}:${v.record.productId}`,
				contactId,
				payload: { productId: v.record.productId, orderId: fact.orderId, reason: fact.state, email: v.email },
			});
			findings.push({ kind: 'revoke', system: 'delivery', contactId, data: { productId: v.record.productId, state: fact.state, entryId: fix.entryId, outcome: fix.outcome } });
			healed.push({ contactId, entryId: fix.entryId, finding: 'revoke', system: 'delivery', outcome: fix.outcome });
		}
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
}

export async function checkoutBatch(tx: SqlExecutor, run: SweepRun, records: CheckoutOrderRecord[], report: SystemReport, purchases?: PurchaseFactSource): Promise<void> {
	const findings: Finding[] = [];
	const valid = records.filter((r) => {
		if (r && typeof r.orderId === 'string' && r.orderId !== '') return true;
		report.invalid++;
		findings.push({ kind: 'invalid_record', system: 'checkout', contactId: null, data: { orderId: r?.orderId ?? null } });
		return false;
	});
	const emailOf = new Map(valid.map((r) => [r.orderId, readEmail(r.email)]));
	const contacts = await contactsByEmail(tx, run.launch, [...emailOf.values()].filter((e): e is string => e !== null));
	const duplicates = await markSeen(tx, run, 'checkout', valid.map((r) => ({ key: r.orderId, contactId: contacts.get(emailOf.get(r.orderId) ?? '') ?? null })));
	for (const [orderId, extra] of duplicates) {
		report.duplicates += extra;
		findings.push({ kind: 'duplicate', system: 'checkout', contactId: null, data: { orderId, extraRecords: extra } });
	}
	const facts = purchases && valid.length ? await purchases.forOrders(tx, run.launch, [...new Set(valid.map((r) => r.orderId))]) : [];
	const factByOrder = new Map(facts.map((f) => [f.orderId, f]));
	const healed: Healed[] = [];
	const handled = new Set<string>();
	const matched: string[] = [];
	for (const order of valid) {
		if (handled.has(order.orderId)) continue;
		handled.add(order.orderId);
		const fact = factByOrder.get(order.orderId);
		const email = emailOf.get(order.orderId) ?? null;
		const contactId = fact?.contactId ?? (email ? contacts.get(email) : undefined) ?? null;
		if (!contactId) {
			report.review++;
			const reviewId = await reviewOnce(tx, run, order, email);
			findings.push({ kind: 'purchase_without_contact', system: 'checkout', contactId: null, data: { orderId: order.orderId, email, productId: order.productId ?? null, reviewId } });
			continue;
		}
		matched.push(order.orderId);
		if (!fact) continue; // The ledger has not recorded this purchase: the vendor's status alone never grants.
		const productId = fact.productId;
		let kind: 'grant' | 'revoke' | null = null;
		if (fact.state === 'paid' && !fact.accessGranted) kind = 'grant';
		else if ((fact.state === 'refunded' || fact.state === 'dispute_lost') && fact.accessGranted) kind = 'revoke';
		if (!kind) continue;
		if (kind === 'grant') report.grants++;
		else report.revokes++;
		const fix = await ensureFix(tx, run, {
			kind,
			key: `reconcile:${kind}:${contactId}:${productId}`,
			contactId,
			payload: { productId, orderId: order.orderId, email, reason: kind === 'grant' ? 'paid_without_access' : fact.state },
		});
		findings.push({ kind, system: 'checkout', contactId, data: { orderId: order.orderId, productId, entryId: fix.entryId, outcome: fix.outcome } });
		healed.push({ contactId, entryId: fix.entryId, finding: kind === 'grant' ? 'paid_without_access' : String(fact.state), system: 'checkout', outcome: fix.outcome });
	}
	await markHealed(tx, run, healed);
	await writeFindings(tx, run, findings);
	// Orders that have their contact now: an item that waited for one is settled (one statement per 500).
	for (let i = 0; i < matched.length; i += 500) {
		await closeReviewSubjects(tx, run.launch, matched.slice(i, i + 500).map(orderSubject), { resolution: 'matched by reconciliation to a contact', by: run.source });
	}
}

/** One open review item per order, however often the sweep runs (the order is the item's subject: a unique index keeps it one). */
async function reviewOnce(tx: SqlExecutor, run: SweepRun, order: CheckoutOrderRecord, email: string | null): Promise<string> {
	const payload = { orderId: order.orderId, email, productId: order.productId ?? null, status: order.status ?? null };
	// The item's id travels with the finding, so the Review output can link to it on the desk.
	const item = await openReviewItem(tx, { launch: run.launch, kind: 'purchase_match', reason: 'purchase_without_contact', payload, subject: orderSubject(order.orderId), source: run.source });
	return item.id;
}
