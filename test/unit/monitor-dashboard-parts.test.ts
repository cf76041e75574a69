import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { sparklineSvg } from '../../nodes/LaunchMonitorDashboardTrigger/sparkline';
import { durationText, utcIfNoZone, utcText } from '../../nodes/shared/monitorFormat';
import { basicCredentials, escapeHtml, sameSecret } from '../../nodes/shared/page';

const W = 300_000;
const path = (svg: string) => /<path class="spark-line" d="([^"]*)"/.exec(svg)?.[1] ?? '';

describe('dashboard parts', () => {
	it('a sparkline steps over kept windows without a value and breaks where no window was kept', () => {
		const at = (k: number) => k * W;
		const svg = sparklineSvg(
			[
				{ at: at(0), value: 50 },
				{ at: at(1), value: null }, // kept, nothing to measure: joined across
				{ at: at(2), value: 100 },
				// windows 3 and 4 were never kept: a new stroke
				{ at: at(5), value: 0 },
			],
			{ from: 0, to: at(6), gapMs: 1.5 * W, max: 100, label: 'Share matched', unit: ' %' },
		);
		assert.deepEqual(path(svg).match(/[ML]/g), ['M', 'L', 'M']);
		assert.match(svg, /aria-label="Share matched: lowest 0 %, highest 100 %, latest 0 %"/);
		assert.match(svg, /<circle class="spark-dot"/);
		const empty = sparklineSvg([{ at: 0, value: null }], { from: 0, to: W, gapMs: W, label: 'Share matched', emptyText: 'no purchases <yet>' });
		assert.equal(path(empty), '');
		assert.match(empty, />no purchases &lt;yet&gt;</);
	});

	it('escapes every character that could open markup or an attribute', () => {
		assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
		assert.equal(escapeHtml(null), '');
	});

	it('reads Basic credentials and compares secrets whole', () => {
		assert.deepEqual(basicCredentials(`Basic ${Buffer.from('team:pa:ss wörd').toString('base64')}`), { user: 'team', password: 'pa:ss wörd' });
		assert.equal(basicCredentials('Bearer abc'), null);
		assert.equal(basicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`), null);
		assert.equal(sameSecret('s3cret', 's3cret'), true);
		assert.equal(sameSecret('s3cre', 's3cret'), false);
		assert.equal(sameSecret('', 's3cret'), false);
	});

	it('times read in UTC, durations in rounded words', () => {
		assert.equal(utcText(Date.parse('2026-03-01T09:05:42Z')), '2026-03-01 09:05 UTC');
		assert.deepEqual([45_000, 12 * 60_000, 200 * 60_000, 52 * 3_600_000].map(durationText), ['45 s', '12 min', '3 h 20 min', '2 days 4 h']);
		assert.equal(utcIfNoZone('2026-03-01T09:00:00'), '2026-03-01T09:00:00Z');
		assert.equal(utcIfNoZone('2026-03-01'), '2026-03-01T00:00:00Z');
		assert.equal(utcIfNoZone('2026-03-01T09:00:00+02:00'), '2026-03-01T09:00:00+02:00');
	});
});
