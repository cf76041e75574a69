import type { ForgetStep } from '../contacts/steps';
import type { SqlExecutor } from '../store';
import type { FieldError } from './validate';

/** Refused signups, kept with why and what was sent, so a wrongly refused person can be recovered. */
export interface CaptureRejection {
	launch: string;
	status: number;
	reason: string;
	errors: FieldError[];
	contentType?: string | null;
	/** What was received, as text (cut to 16 KB): kept so a wrongly refused signup can be recovered. */
	payload?: string | null;
	remoteAddress?: string | null;
	userAgent?: string | null;
}

const MAX_KEPT_PAYLOAD = 16 * 1024;

export async function recordCaptureRejection(tx: SqlExecutor, rejection: CaptureRejection): Promise<number> {
	const [row] = await tx.query<{ id: number }>(
		`INSERT INTO capture_rejections (launch, status, reason, errors, content_type, payload, remote_address, user_agent, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		[
			rejection.launch,
			rejection.status,
			rejection.reason,
			JSON.stringify(rejection.errors),
			rejection.contentType ?? null,
			rejection.payload == null ? null : rejection.payload.slice(0, MAX_KEPT_PAYLOAD),
			rejection.remoteAddress ?? null,
			rejection.userAgent?.slice(0, 500) ?? null,
			Date.now(),
		],
	);
	return Number(row?.id);
}

export interface RecordedRejection extends Omit<CaptureRejection, 'payload'> {
	id: number;
	payload: string | null;
	createdAt: number;
}

export async function listCaptureRejections(tx: SqlExecutor, launch: string, limit = 100): Promise<RecordedRejection[]> {
	const rows = await tx.query<{
		id: number;
		launch: string;
		status: number;
		reason: string;
		errors: string;
		content_type: string | null;
		payload: string | null;
		remote_address: string | null;
		user_agent: string | null;
		created_at: number;
	}>('SELECT * FROM capture_rejections WHERE launch = $1 ORDER BY id DESC LIMIT $2', [launch, limit]);
	return rows.map((r) => ({
		id: Number(r.id),
		launch: r.launch,
		status: Number(r.status),
		reason: r.reason,
		errors: JSON.parse(r.errors) as FieldError[],
		contentType: r.content_type,
		payload: r.payload,
		remoteAddress: r.remote_address,
		userAgent: r.user_agent,
		createdAt: Number(r.created_at),
	}));
}

/**
 * A refused signup keeps what was sent, which may include the person's email or phone; forgetting
 * them must clear it too. Bodies may be URL-encoded, so both spellings are searched.
 */
export const captureRejectionsForgetStep: ForgetStep = {
	name: 'capture_rejections',
	async forget(tx, context) {
		const needles = new Set<string>();
		for (const value of context.values) {
			if (!value || value.length < 3) continue;
			needles.add(value.toLowerCase());
			needles.add(encodeURIComponent(value).toLowerCase());
		}
		for (const needle of needles) {
			await tx.execute(
				`UPDATE capture_rejections SET payload = '[forgotten]', remote_address = NULL, user_agent = NULL
				 WHERE launch = $1 AND payload IS NOT NULL AND LOWER(payload) LIKE $2 ESCAPE '\\'`,
				[context.launch, `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
			);
		}
	},
};
