import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseWorkflowList } from '../../scripts/lib/n8n-workflows';

// What `n8n list:workflow` printed on n8n 2.41.1 (npm run status reads workflows through it).
describe('parseWorkflowList (n8n list:workflow output)', () => {
	it('reads id|name lines among log lines; a name may contain "|"', () => {
		const stdout = [
			'No encryption key found - Auto-generating and saving to: /tmp/x/.n8n/config',
			'Migrations in progress, please do NOT stop the process.',
			'idfixWorkflow0001|Status probe',
			'idfixWorkflow0002|Draft | with pipe',
			'',
		].join('\n');
		assert.deepEqual(parseWorkflowList(stdout), [
			{ id: 'idfixWorkflow0001', name: 'Status probe' },
			{ id: 'idfixWorkflow0002', name: 'Draft | with pipe' },
		]);
	});

	it('gives an empty list when n8n has no workflows', () => {
		assert.deepEqual(parseWorkflowList('Migrations in progress, please do NOT stop the process.\n'), []);
	});
});
