import type { Migration } from './sql';

/**
 * A refused signup keeps a prefix of what was sent (2 KB, was 16 KB) with the whole payload's byte
 * size and SHA-256; past the per-source cap it is only counted (refusal_counts, migration 25).
 */
export const captureRejectionBodies: Migration = {
	version: 31,
	name: 'capture_rejections.payload_bytes, payload_sha256',
	statements: () => [`ALTER TABLE capture_rejections ADD COLUMN payload_bytes BIGINT`, `ALTER TABLE capture_rejections ADD COLUMN payload_sha256 TEXT`],
};
