import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { leaderboardName } from '../../ledger/internal';

/** What the status page's leaderboard shows of a person: a first name and an initial, never more. */
describe('leaderboard names', () => {
	it('first name and last-name initial; the first word only; "Someone" without a first name', () => {
		assert.equal(leaderboardName({ first_name: 'Ada', last_name: 'Lovelace' }), 'Ada L.');
		assert.equal(leaderboardName({ first_name: '  Mary Ann ', last_name: 'van der Berg' }), 'Mary V.');
		assert.equal(leaderboardName({ first_name: 'Grace' }), 'Grace');
		assert.equal(leaderboardName({ last_name: 'Hopper', email: 'grace@example.com' }), 'Someone');
		assert.equal(leaderboardName({ first_name: 42 }), 'Someone');
	});

	it('a long first name is cut at 20 characters (by character, not by byte)', () => {
		assert.equal(leaderboardName({ first_name: 'Ä'.repeat(30) }), 'Ä'.repeat(20));
		assert.equal(leaderboardName({ first_name: '😀'.repeat(25), last_name: 'émile' }), `${'😀'.repeat(20)} É.`);
	});
});
