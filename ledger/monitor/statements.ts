import { inList, type Dialect, type SqlValue } from '../store';
import { jsonText } from './sql';

/**
 * The statements behind the launch signals (see signals.ts for what counts): each an index range
 * over the window or over unfinished work, listed so a test can EXPLAIN every one.
 */

export interface SignalsInput {
	launch: string;
	/** Window start (inclusive) and end (exclusive), epoch ms. */
	from: number;
	to: number;
	/** When point-in-time values are measured (ages, backlog). */
	now: number;
	/** utm_medium values that mean paid traffic. */
	paidMediums: readonly string[];
	/** alerts.liveAt, when the launch has one. */
	liveAt?: number | null;
}

/** A delivery the trigger stored but no run processed for this long counts as left unprocessed (the replay's default). */
export const UNPROCESSED_AFTER_MS = 10 * 60_000;

/** Outbox statuses of work not yet done. */
const OPEN = `'pending', 'failed', 'claimed'`;

export interface StatementContext extends SignalsInput {
	dialect: Dialect;
}

export interface SignalStatement {
	name: string;
	sql: string;
	params: SqlValue[];
}

/**
 * A join that reads the left side first and looks each row up on the right by an index. SQLite
 * plans without statistics (the ledger never runs ANALYZE) and may otherwise scan the big table and
 * index the small one; CROSS JOIN is its documented way to fix the order. PostgreSQL plans by cost.
 */
const lookupJoin = (dialect: Dialect) => (dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN');

/**
 * The people whose first contact was created in [$2, $3): contacts created in the window, walked up
 * to the contact they live on in (merged_into), then down to every contact merged into that one,
 * so the person's earliest contact decides. Each step is a primary-key or merged_into index lookup
 * per contact of the window; creation times travel with the walk, so no step joins back.
 */
function peopleCte(dialect: Dialect): string {
	return `WITH RECURSIVE
	win AS (
		SELECT id, merged_into, created_at FROM contacts WHERE launch = $1 AND created_at >= $2 AND created_at < $3 AND is_test = 0
	),
	up (id, merged_into, created_at, hops) AS (
		SELECT id, merged_into, created_at, 0 FROM win
		UNION ALL
		SELECT c.id, c.merged_into, c.created_at, up.hops + 1 FROM up ${lookupJoin(dialect)} contacts c ON c.id = up.merged_into WHERE up.hops < 50
	),
	roots AS (SELECT DISTINCT id, created_at FROM up WHERE merged_into IS NULL),
	down (root, id, created_at, hops) AS (
		SELECT id, id, created_at, 0 FROM roots
		UNION ALL
		SELECT down.root, c.id, c.created_at, down.hops + 1 FROM down ${lookupJoin(dialect)} contacts c ON c.merged_into = down.id WHERE down.hops < 50
	),
	first_seen AS (SELECT root, MIN(created_at) AS first_at FROM down GROUP BY root),
	people AS (
		SELECT r.id, r.first_touch FROM first_seen f ${lookupJoin(dialect)} contacts r ON r.id = f.root
		WHERE f.first_at >= $2 AND f.first_at < $3 AND r.status = 'active' AND r.is_test = 0
	)`;
}

/** Every statement a signals computation runs, in order. */
export function signalStatements(c: StatementContext): SignalStatement[] {
	const j = (column: string, key: string) => jsonText(c.dialect, column, key);
	const window: SqlValue[] = [c.launch, c.from, c.to];
	const paidParams: SqlValue[] = [...window];
	const paidList = c.paidMediums.length ? `LOWER(med) IN (${inList([...c.paidMediums], paidParams)})` : '1 = 0';
	const grantProduct = j('o.payload', 'productId');
	const join = lookupJoin(c.dialect);
	return [
		{
			name: 'new_people',
			sql: `${peopleCte(c.dialect)}
			SELECT COUNT(*) AS people,
				SUM(CASE WHEN src IS NOT NULL THEN 1 ELSE 0 END) AS with_source,
				SUM(CASE WHEN src IS NOT NULL AND med IS NOT NULL AND camp IS NOT NULL THEN 1 ELSE 0 END) AS complete,
				SUM(CASE WHEN src IS NULL AND ${paidList} THEN 1 ELSE 0 END) AS paid_without_source
			FROM (SELECT ${j('first_touch', 'utm_source')} AS src, ${j('first_touch', 'utm_medium')} AS med, ${j('first_touch', 'utm_campaign')} AS camp FROM people) t`,
			params: paidParams,
		},
		{
			name: 'vendor_sync',
			sql: `${peopleCte(c.dialect)},
			sync AS (
				SELECT o.kind, o.contact_id, MAX(CASE WHEN o.status IN (${OPEN}, 'held', 'dead') THEN 1 ELSE 0 END) AS waiting
				FROM people p ${join} outbox o ON o.contact_id = p.id
				WHERE o.kind IN ('esp_sync', 'crm_sync') AND o.created_at <= $4
				GROUP BY o.kind, o.contact_id
			)
			SELECT kind, COUNT(*) AS contacts, SUM(waiting) AS waiting FROM sync GROUP BY kind`,
			params: [...window, c.now],
		},
		{
			name: 'repeats',
			sql: `SELECT COUNT(*) AS n FROM events e ${join} contacts c ON c.id = e.contact_id
			 WHERE e.launch = $1 AND e.type = 'signup.repeated' AND e.created_at >= $2 AND e.created_at < $3 AND c.is_test = 0`,
			params: window,
		},
		{
			name: 'refused_signups',
			sql: `SELECT reason, COUNT(*) AS n FROM capture_rejections WHERE launch = $1 AND created_at >= $2 AND created_at < $3 GROUP BY reason`,
			params: window,
		},
		{
			name: 'refused_signups_not_kept',
			sql: `SELECT reason, SUM(refused) AS n FROM refusal_counts WHERE launch = $1 AND surface = 'capture' AND bucket >= $2 AND bucket < $3 GROUP BY reason`,
			params: window,
		},
		{
			name: 'first_signup',
			sql: `SELECT created_at FROM contacts WHERE launch = $1 AND is_test = 0 ORDER BY created_at LIMIT 1`,
			params: [c.launch],
		},
		{
			name: 'captured_purchases',
			sql: `SELECT matched_by, CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END AS matched, COUNT(*) AS n FROM purchases
			 WHERE launch = $1 AND captured_at >= $2 AND captured_at < $3
			 GROUP BY matched_by, CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END`,
			params: window,
		},
		{
			name: 'open_review',
			sql: `SELECT kind, reason, COUNT(*) AS n FROM review_items WHERE launch = $1 AND status = 'open' AND created_at <= $2 GROUP BY kind, reason`,
			params: [c.launch, c.now],
		},
		{
			name: 'unmatched_paid',
			sql: `SELECT COUNT(*) AS n, MIN(captured_at) AS oldest FROM purchases
			 WHERE launch = $1 AND contact_id IS NULL AND captured_at IS NOT NULL AND captured_at <= $2
			   AND refunded_at IS NULL AND (dispute IS NULL OR dispute = 'won')`,
			params: [c.launch, c.now],
		},
		{
			// One per (contact, product): a later grant of the same product that was delivered settles it.
			name: 'undelivered_grants',
			sql: `SELECT COUNT(DISTINCT o.contact_id || '|' || ${grantProduct}) AS n, MIN(o.created_at) AS oldest
			 FROM outbox o ${join} access a ON a.launch = o.launch AND a.contact_id = o.contact_id AND a.product_id = ${grantProduct}
			 WHERE o.launch = $1 AND o.kind = 'grant' AND o.status IN (${OPEN}, 'dead') AND o.created_at <= $2 AND a.state = 'granted'
			   AND NOT EXISTS (
				SELECT 1 FROM outbox d WHERE d.contact_id = o.contact_id AND d.kind = 'grant' AND d.status = 'done' AND d.seq > o.seq
				  AND ${jsonText(c.dialect, 'd.payload', 'productId')} = ${grantProduct})`,
			params: [c.launch, c.now],
		},
		{
			name: 'outbox_backlog',
			sql: `SELECT kind, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox
			 WHERE launch = $1 AND status IN (${OPEN}, 'held', 'dead', 'waiting', 'flagged') AND created_at <= $2 GROUP BY kind, status`,
			params: [c.launch, c.now],
		},
		{
			name: 'outbox_last_errors',
			sql: `SELECT kind, last_error, updated_at FROM (
				SELECT kind, last_error, updated_at, ROW_NUMBER() OVER (PARTITION BY kind ORDER BY updated_at DESC, seq DESC) AS rn
				FROM outbox WHERE launch = $1 AND status IN ('failed', 'dead') AND created_at <= $2
			 ) t WHERE rn = 1`,
			params: [c.launch, c.now],
		},
		{
			name: 'kill_switch',
			sql: `SELECT scope, paused_by, reason, paused_at FROM outbox_switches WHERE launch = $1`,
			params: [c.launch],
		},
		{
			name: 'refused_deliveries',
			sql: `SELECT provider, signature_reason, COUNT(*) AS n FROM purchase_inbox
			 WHERE launch = $1 AND status = 'rejected' AND received_at >= $2 AND received_at < $3 GROUP BY provider, signature_reason`,
			params: window,
		},
		{
			name: 'refused_deliveries_not_kept',
			sql: `SELECT kind AS provider, reason AS signature_reason, SUM(refused) AS n FROM refusal_counts
			 WHERE launch = $1 AND surface = 'purchase' AND bucket >= $2 AND bucket < $3 GROUP BY kind, reason`,
			params: window,
		},
		{
			name: 'sign_in_failures',
			sql: 'SELECT page, COUNT(*) AS n FROM page_sign_in_failures WHERE launch = $1 AND at >= $2 AND at < $3 GROUP BY page',
			params: window,
		},
		{
			name: 'sign_in_blocked',
			sql: 'SELECT COUNT(*) AS n FROM page_sign_in_throttle WHERE launch = $1 AND blocked_until > $2',
			params: [c.launch, c.now],
		},
		{
			name: 'flagged_signups',
			sql: 'SELECT signal, COUNT(*) AS n FROM abuse_flags WHERE launch = $1 AND flagged_at >= $2 AND flagged_at < $3 GROUP BY signal',
			params: window,
		},
		{
			name: 'flagged_contacts',
			sql: 'SELECT COUNT(DISTINCT contact_id) AS n FROM abuse_flags WHERE launch = $1 AND flagged_at >= $2 AND flagged_at < $3',
			params: window,
		},
		{
			name: 'flagged_open',
			sql: `SELECT COUNT(DISTINCT contact_id) AS n FROM abuse_flags WHERE launch = $1 AND status = 'open' AND flagged_at <= $2`,
			params: [c.launch, c.now],
		},
		{
			name: 'referral_signups',
			sql: 'SELECT status, COUNT(*) AS n FROM referral_credits WHERE launch = $1 AND created_at >= $2 AND created_at < $3 GROUP BY status',
			params: window,
		},
		{
			name: 'referral_withheld',
			sql: `SELECT COUNT(*) AS n FROM referral_credits WHERE launch = $1 AND status = 'withheld' AND created_at <= $2`,
			params: [c.launch, c.now],
		},
		{
			name: 'unprocessed_deliveries',
			sql: `SELECT COUNT(*) AS n, MIN(received_at) AS oldest FROM purchase_inbox WHERE launch = $1 AND status = 'received' AND received_at < $2`,
			params: [c.launch, c.now - UNPROCESSED_AFTER_MS],
		},
	];
}
