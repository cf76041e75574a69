import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AccessState } from '../../ledger';
import { accessTarget, nextAccessState } from '../../ledger/internal';

const NOW = 1_800_000_000_000;
const paid = { captured: true, refundedAt: null, dispute: null } as const;

describe('access rules (pure)', () => {
	it('the target follows the facts: capture grants, a chargeback revokes at once, a refund after the window, nothing before capture', () => {
		assert.deepEqual(accessTarget([paid], null, 0), { kind: 'grant' });
		assert.deepEqual(accessTarget([{ ...paid, dispute: 'open' }], null, 0), { kind: 'revoke_now' });
		assert.deepEqual(accessTarget([{ ...paid, dispute: 'lost' }], null, 0), { kind: 'revoke_now' });
		assert.deepEqual(accessTarget([{ ...paid, dispute: 'won' }], null, 0), { kind: 'grant' });
		assert.deepEqual(accessTarget([{ ...paid, refundedAt: NOW }], null, 60_000), { kind: 'revoke_at', at: NOW + 60_000 });
		assert.deepEqual(accessTarget([{ captured: false, refundedAt: NOW, dispute: null }], null, 0), { kind: 'none' });
		assert.deepEqual(accessTarget([], null, 0), { kind: 'none' });
		// Another purchase of the same product that still stands keeps access.
		assert.deepEqual(accessTarget([{ ...paid, refundedAt: NOW }, paid], null, 0), { kind: 'grant' });
	});

	it('a pin wins over any facts', () => {
		assert.deepEqual(accessTarget([], 'grant', 0), { kind: 'grant' });
		assert.deepEqual(accessTarget([paid], 'revoke', 0), { kind: 'revoke_now' });
	});

	it('every state moves towards every target with at most one vendor effect, and only when access changes hands', () => {
		const states: AccessState[] = ['none', 'granted', 'revoke_pending', 'revoked'];
		const table = states.map((state) => [
			state,
			nextAccessState(state, state === 'revoke_pending' ? NOW + 10 : null, { kind: 'grant' }, NOW).effect,
			nextAccessState(state, null, { kind: 'revoke_now' }, NOW).effect,
			nextAccessState(state, null, { kind: 'revoke_at', at: NOW + 1000 }, NOW).state,
			nextAccessState(state, null, { kind: 'revoke_at', at: NOW }, NOW).effect,
		]);
		assert.deepEqual(table, [
			['none', 'grant', null, 'none', null],
			['granted', null, 'revoke', 'revoke_pending', 'revoke'],
			// The vendor never lost access during the window: restoring needs no call.
			['revoke_pending', null, 'revoke', 'revoke_pending', 'revoke'],
			['revoked', 'grant', null, 'revoked', null],
		]);
	});
});
