import { identifierOptions } from '../contacts/input';
import type { ForgetStep } from '../contacts/steps';
import { forgottenKindAmong } from '../contacts/tombstones';
import { getLaunchSettings } from '../settings/settings';
import { admitRefusal, bodyBytes, countRefusal, keptBody } from '../refusals';
import type { SqlExecutor } from '../store';
import type { FieldError } from './validate';

/**
 * Refused signups, kept with why and a prefix of what was sent (with its size and hash), so a wrongly
 * refused person can be recovered. Only the first few per client address and window are kept as
 * rows; the rest are counted (ledger/refusals.ts), so refused posts cannot fill the disk.
 */
export interface CaptureRejection {
	launch: string;
	status: number;
	reason: string;
	errors: FieldError[];
	contentType?: string | null;
	/** What was received, as text: its first KEPT_PREFIX_BYTES bytes are kept, with its size and SHA-256. */
	payload?: string | null;
	remoteAddress?: string | null;
	userAgent?: string | null;
	/** The email and phone the post names: if either belongs to a forgotten person, nothing of what was sent is kept. */
	names?: { email?: unknown; phone?: unknown };
}

/** What a refusal naming a forgotten person keeps of what was sent. */
export const FORGOTTEN_PAYLOAD = '[forgotten]';

/** The refusal as it may be kept: without payload, address and browser when it names a forgotten person. */
async function keptRejection(tx: SqlExecutor, rejection: CaptureRejection): Promise<CaptureRejection> {
	const names = rejection.names ?? {};
	const forgotten = await forgottenKindAmong(
		tx,
		rejection.launch,
		[
			{ kind: 'email', value: names.email },
			{ kind: 'phone', value: names.phone },
		],
		async () => identifierOptions(await getLaunchSettings(tx, rejection.launch)),
	);
	return forgotten ? { ...rejection, payload: FORGOTTEN_PAYLOAD, remoteAddress: null, userAgent: null } : rejection;
}

/** Records a refusal; its id, or null when the address was over its cap and the refusal was only counted. */
export async function recordCaptureRejection(tx: SqlExecutor, received: CaptureRejection, now = Date.now()): Promise<number | null> {
	const rejection = await keptRejection(tx, received);
	const remoteAddress = rejection.remoteAddress?.slice(0, 100) || null;
	const body = rejection.payload == null ? null : keptBody(rejection.payload);
	if (!(await admitRefusal(tx, { launch: rejection.launch, surface: 'capture', source: remoteAddress ?? 'unknown', now }))) {
		const bytes = rejection.payload == null ? 0 : bodyBytes(rejection.payload);
		await countRefusal(tx, { launch: rejection.launch, surface: 'capture', kind: '', reason: rejection.reason, bytes, now });
		return null;
	}
	const [row] = await tx.query<{ id: number }>(
		`INSERT INTO capture_rejections (launch, status, reason, errors, content_type, payload, payload_bytes, payload_sha256, remote_address, user_agent, created_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		[
			rejection.launch,
			rejection.status,
			rejection.reason,
			JSON.stringify(rejection.errors),
			rejection.contentType?.slice(0, 200) ?? null,
			body?.text ?? null,
			body?.bytes ?? null,
			body?.sha256 ?? null,
			remoteAddress,
			rejection.userAgent?.slice(0, 500) ?? null,
			now,
		],
	);
	return Number(row?.id);
}

export interface RecordedRejection extends Omit<CaptureRejection, 'payload'> {
	id: number;
	/** The first KEPT_PREFIX_BYTES bytes of what was sent. */
	payload: string | null;
	/** The whole payload's size in bytes and SHA-256 (null for refusals kept before migration 31). */
	payloadBytes: number | null;
	payloadSha256: string | null;
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
		payload_bytes: number | null;
		payload_sha256: string | null;
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
		payloadBytes: r.payload_bytes === null ? null : Number(r.payload_bytes),
		payloadSha256: r.payload_sha256,
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
				`UPDATE capture_rejections SET payload = '${FORGOTTEN_PAYLOAD}', remote_address = NULL, user_agent = NULL
				 WHERE launch = $1 AND payload IS NOT NULL AND LOWER(payload) LIKE $2 ESCAPE '\\'`,
				[context.launch, `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
			);
		}
	},
};
