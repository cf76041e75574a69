import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeDecision, DESCRIBED_REASONS, type AccessState } from '../../ledger';
import { accessTarget, nextAccessState, type AccessTarget } from '../../ledger/internal';

const NOW = 1_800_000_000_000;
const STATES: AccessState[] = ['none', 'granted', 'revoke_pending', 'revoked'];
const TARGETS: AccessTarget[] = [{ kind: 'grant' }, { kind: 'revoke_now' }, { kind: 'revoke_at', at: NOW + 60_000 }, { kind: 'revoke_at', at: NOW - 1 }, { kind: 'none' }];
const HAS_ACCESS = new Set<AccessState | null>(['granted', 'revoke_pending']);

/**
 * Every (decision, reason, access state) the state machine can produce: each state moving towards
 * each target (what settleAccess does) under every reason the ledger gives, plus the decisions
 * that touch no access row (duplicates, review, events before their purchase).
 */
function everyDecision(): { decision: 'grant' | 'revoke' | 'no_change' | 'review'; reason: string; accessState: AccessState | null }[] {
	const reasons = [...DESCRIBED_REASONS, 'pin:grant', 'pin:revoke', 'some_future_reason'];
	const all: ReturnType<typeof everyDecision> = [];
	for (const state of STATES) {
		for (const revokeAfter of [null, NOW + 1000, NOW - 1000]) {
			for (const target of TARGETS) {
				const next = nextAccessState(state, revokeAfter, target, NOW);
				for (const reason of reasons) all.push({ decision: next.effect ?? 'no_change', reason, accessState: next.state });
			}
		}
	}
	for (const reason of reasons) {
		all.push({ decision: 'no_change', reason, accessState: null });
		all.push({ decision: 'review', reason, accessState: null });
	}
	return all;
}

describe('decision messages tell the truth', () => {
	it('no message claims access the state does not have, or takes away access the state keeps', () => {
		const decisions = everyDecision();
		assert.ok(decisions.length > 1000, `walked ${decisions.length} decisions`);
		for (const d of decisions) {
			const message = describeDecision(d);
			const where = `${d.decision} / ${d.reason} / ${d.accessState}: "${message}"`;
			assert.ok(message.length > 0, where);
			if (/\bgranted\b|\brestored\b|access continues/i.test(message)) assert.ok(HAS_ACCESS.has(d.accessState), `claims access it does not have — ${where}`);
			if (/\brevoked\b|no access/i.test(message)) assert.ok(!HAS_ACCESS.has(d.accessState), `claims access is gone while it is not — ${where}`);
			if (d.accessState !== null && d.decision !== 'review') {
				// Every decision on an access row says where access stands now.
				assert.match(message, /granted|continues|revoked|No access/, `says nothing about access — ${where}`);
			}
		}
	});

	it('a No Change after a full refund says what access is, not "access granted"', () => {
		const facts = [{ captured: true, refundedAt: NOW - 10, dispute: null }];
		const next = nextAccessState('revoked', null, accessTarget(facts, null, 0), NOW);
		const message = describeDecision({ decision: next.effect ?? 'no_change', reason: 'captured', accessState: next.state });
		assert.equal(message, 'Paid. Access stays revoked.');
		assert.equal(describeDecision({ decision: 'grant', reason: 'captured', accessState: 'granted' }), 'Paid. Access granted: the grant is in the outbox.');
	});
});
