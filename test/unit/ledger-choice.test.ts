/**
 * `npm start` / `npm run status` warn when the published workflows of one launch use different
 * ledgers (issue 20 row 14). The rule mirrors nodes/shared/ledgerAccess.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ledgerUses, mixedLedgerWarnings, type WorkflowNodes } from '../../scripts/lib/ledger-choice';

const pack = (name: string, type: string, extra: Partial<WorkflowNodes['nodes'][number]> = {}) => ({ name, type: `n8n-nodes-waitlist-ledger.${type}`, typeVersion: 1, parameters: {}, ...extra });
const PG = { waitlistLedgerApi: { id: 'cred1', name: 'Ledger PG' } };

describe('ledger choice across published workflows', () => {
	it('the row-14 case: signup on a credential, drain on the default ledger → a warning naming both', () => {
		const workflows: WorkflowNodes[] = [
			{ name: 'Waitlist signup', nodes: [pack('Capture', 'waitlistCaptureTrigger', { credentials: PG }), { name: 'Kit', type: 'n8n-nodes-base.convertKit' }] },
			{ name: 'Outbox drain', nodes: [pack('Claim', 'accessOutbox')] },
		];
		const lines = mixedLedgerWarnings(ledgerUses(workflows, {}));
		assert.match(lines[0]!, /launch "default" use 2 different ledgers/);
		assert.ok(lines.some((l) => l.includes('the credential "Ledger PG": Waitlist signup › Capture')));
		assert.ok(lines.some((l) => l.includes('the embedded file') && l.includes('Outbox drain › Claim')));
	});

	it('everything on the default ledger (WAITLIST_LEDGER_DATABASE_URL or the file): no warning; launches are judged apart', () => {
		const workflows: WorkflowNodes[] = [
			{ name: 'Signup', nodes: [pack('Capture', 'waitlistCaptureTrigger', { parameters: { storage: 'default' }, credentials: PG })] },
			{ name: 'Drain', nodes: [pack('Claim', 'accessOutbox', { typeVersion: 1.1 })] },
			{ name: 'Other launch', nodes: [pack('Capture', 'waitlistCaptureTrigger', { parameters: { launch: 'spring' }, credentials: PG })] },
		];
		assert.deepEqual(mixedLedgerWarnings(ledgerUses(workflows, { WAITLIST_LEDGER_DATABASE_URL: 'postgres://x@y/z' })), []);
	});

	it('version 1.1 without a saved Storage is "Default" even with a stale credential; disabled nodes are left out', () => {
		const uses = ledgerUses([{ name: 'W', nodes: [pack('New', 'waitlistTags', { typeVersion: 1.1, credentials: PG }), pack('Off', 'waitlistTags', { disabled: true, credentials: PG })] }], {});
		assert.deepEqual(uses.map((u) => [u.node, u.key]), [['New', 'default:embedded']]);
	});
});
