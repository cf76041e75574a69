import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

// This pack needs `pg` and `node:sqlite` for its durable ledger, so it is for self-hosted n8n only
// ("strict": false in package.json) and uses the lint preset without n8n Cloud's import limits.
export default [
	...configWithoutCloudSupport,
	{
		ignores: ['dist/**', 'node_modules/**', '.n8n-local/**', 'test-artifacts/**'],
	},
	{
		files: ['package.json'],
		rules: {
			// The ledger needs pg, zod and libphonenumber-js at run time; n8n installs a community
			// package's own dependencies beside it (npm install in the package folder).
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			// Our triggers receive calls from the creator's own pages and from vendors whose webhook the
			// user pastes in; there is no third-party API to register or delete a webhook with.
			'@n8n/community-nodes/webhook-lifecycle-complete': 'off',
			// Not offered to AI agents on purpose: these nodes merge, forget and settle money-path work
			// on real people; an agent's guess must not trigger that.
			'@n8n/community-nodes/node-usable-as-tool': 'off',
		},
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			// "Waitlist Ledger" is a database connection (like n8n's own Postgres credential), not an API.
			'n8n-nodes-base/cred-class-field-display-name-missing-api': 'off',
		},
	},
	{
		files: ['ledger/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
		rules: {
			// Not n8n nodes: the ledger throws plain errors (LedgerInputError names the field) and the
			// nodes turn them into NodeOperationError at the boundary.
			'@n8n/community-nodes/require-node-api-error': 'off',
		},
	},
	{
		files: ['scripts/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
		rules: {
			// Tooling, not shipped: it starts n8n, worker processes and npm, and prints to the terminal.
			'@n8n/community-nodes/no-dangerous-functions': 'off',
			'no-console': 'off',
		},
	},
];
