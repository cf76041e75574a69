import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULT_ALERT_SETTINGS, DEFAULT_LAUNCH_SETTINGS, DEFAULT_PAID_MEDIUMS, LedgerInputError, type AlertState, type Verdict } from '../../ledger';
import { advanceAlert, csvCell, initialState, validateAlertSettings } from '../../ledger/internal';

const verdict = (outcome: Verdict['outcome'], value = 1): Verdict => ({ outcome, value, threshold: 0, unit: 'entries', summary: `value ${value}` });
const settings = { resolveAfterWindows: 2, reminderHours: 1 };

/** Feeds verdicts window by window (one evaluation per window, 5 minutes apart); returns what each announced. */
function walk(outcomes: Verdict['outcome'][], start: AlertState = initialState('l', 'dead_letters', 0)): { said: string[][]; state: AlertState } {
	let state = start;
	const said: string[][] = [];
	for (const [i, outcome] of outcomes.entries()) {
		const at = (i + 1) * 300_000;
		const { next, announce } = advanceAlert(state, verdict(outcome), { windowEnd: at, measuredAt: at, now: at + 1000 }, settings);
		said.push(announce.map((a) => a.kind));
		state = next;
	}
	return { said, state };
}

describe('launch monitor: alert state machine (pure)', () => {
	it('fires on the first bad window, resolves after two good ones, and a good window between bad ones resets the count', () => {
		const { said, state } = walk(['clear', 'fire', 'fire', 'clear', 'fire', 'clear', 'clear', 'clear']);
		assert.deepEqual(said, [[], ['fired'], [], [], [], [], ['resolved'], []]);
		assert.deepEqual([state.state, state.episode], ['ok', 1]);
	});

	it('unknown windows neither fire nor resolve nor break a resolve count', () => {
		assert.deepEqual(walk(['fire', 'clear', 'unknown', 'clear']).said, [['fired'], [], [], ['resolved']]);
		assert.deepEqual(walk(['unknown', 'unknown']).said, [[], []]);
	});

	it('a window already judged changes nothing (a second worker, a second run)', () => {
		const first = advanceAlert(initialState('l', 'dead_letters', 0), verdict('fire'), { windowEnd: 300_000, measuredAt: 300_000, now: 301_000 }, settings);
		const again = advanceAlert(first.next, verdict('clear'), { windowEnd: 300_000, measuredAt: 300_000, now: 302_000 }, settings);
		assert.deepEqual(again.announce, []);
		assert.deepEqual([again.next.state, again.next.clearStreak], ['firing', 0]);
	});

	it('a rule turned off while firing stops quietly', () => {
		assert.deepEqual(walk(['fire', 'disabled', 'fire']).said, [['fired'], [], ['fired']]);
	});

	it('the settings keep the capture trigger\'s paid mediums', () => {
		assert.deepEqual(DEFAULT_ALERT_SETTINGS.paidMediums, DEFAULT_PAID_MEDIUMS);
		assert.deepEqual(DEFAULT_LAUNCH_SETTINGS.alerts, DEFAULT_ALERT_SETTINGS);
	});
});

describe('launch monitor: alert settings', () => {
	it('a change sets only what it names, rule blocks key by key; numbers from expressions and ISO times are read', () => {
		const next = validateAlertSettings({ windowSeconds: '600', liveAt: '2026-03-01T09:00:00Z', reconciliation: { minPurchases: 10 }, paidMediums: 'CPC, paid_social' }, DEFAULT_ALERT_SETTINGS);
		assert.equal(next.windowSeconds, 600);
		assert.equal(next.liveAt, Date.UTC(2026, 2, 1, 9));
		assert.deepEqual(next.reconciliation, { ...DEFAULT_ALERT_SETTINGS.reconciliation, minPurchases: 10 });
		assert.deepEqual(next.paidMediums, ['cpc', 'paid_social']);
		assert.deepEqual(next.ingestionDrop, DEFAULT_ALERT_SETTINGS.ingestionDrop);
		assert.equal(validateAlertSettings({ liveAt: null }, next).liveAt, null);
	});

	it('errors name the field', () => {
		const cases: Array<[unknown, string]> = [
			['on', 'settings.alerts'],
			[{ reminderHours: -1 }, 'settings.alerts.reminderHours'],
			[{ dailyDigestHourUtc: 24 }, 'settings.alerts.dailyDigestHourUtc'],
			[{ utmFidelity: { enabled: 'yes' } }, 'settings.alerts.utmFidelity.enabled'],
			[{ utmFidelity: { minPercent: 90 } }, 'settings.alerts.utmFidelity.resolvePercent'],
			[{ paidWithoutAccess: 15 }, 'settings.alerts.paidWithoutAccess'],
			[{ paidMediums: ['cpc', ''] }, 'settings.alerts.paidMediums[1]'],
			[{ resolveAfterWindows: 1.5 }, 'settings.alerts.resolveAfterWindows'],
		];
		for (const [value, field] of cases) {
			assert.throws(() => validateAlertSettings(value, DEFAULT_ALERT_SETTINGS), (e: unknown) => e instanceof LedgerInputError && e.field === field, `${JSON.stringify(value)} → ${field}`);
		}
	});
});

describe('launch monitor: CSV cells', () => {
	it('quotes what needs quoting and keeps formulas as text', () => {
		assert.equal(csvCell('plain'), 'plain');
		assert.equal(csvCell('a,b'), '"a,b"');
		assert.equal(csvCell('say "hi"'), '"say ""hi"""');
		assert.equal(csvCell('two\nlines'), '"two\nlines"');
		assert.equal(csvCell('=1+1'), "'=1+1");
		assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
		assert.equal(csvCell('+cmd|\' /C calc\'!A0'), "'+cmd|' /C calc'!A0");
		assert.equal(csvCell('-2+3+cmd|x'), "'-2+3+cmd|x");
		assert.equal(csvCell('+1 (415) 555-2671'), '+1 (415) 555-2671', 'a phone number stays as it is');
		assert.equal(csvCell('-3'), '-3');
		assert.equal(csvCell(null), '');
		assert.equal(csvCell(42), '42');
	});
});
