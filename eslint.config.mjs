import { configWithoutCloudSupport } from '@n8n/node-cli/eslint';

/**
 * The pack's layers (ARCHITECTURE.md), enforced here so CI fails when one is crossed:
 * - ledger/ is plain TypeScript: nothing from n8n;
 * - nodes/ and credentials/ reach the ledger through its public entry only (ledger/index.ts), never
 *   a database driver;
 * - tests, benches and scripts use the public entry or the one internal entry (ledger/internal.ts);
 * - SQL lives in ledger/ only. Tests are exempt: contract tests read rows to prove what the ledger
 *   claims (e.g. that a forgotten email is nowhere).
 */
const N8N_IN_LEDGER = {
	group: ['n8n-*', '@n8n/*', 'n8n-workflow', 'n8n-core'],
	message: 'ledger/ has no n8n imports: put n8n types and errors in nodes/ and pass plain values in.',
};
const LEDGER_BEYOND_PUBLIC_ENTRY = {
	group: ['**/ledger/*'],
	message: 'Nodes and credentials use the ledger through its public entry only: import from "…/ledger" (add what you need to ledger/index.ts).',
};
const LEDGER_BEYOND_INTERNAL_ENTRY = {
	group: ['**/ledger/*', '!**/ledger/internal'],
	message: 'Tests, benches and scripts import the ledger from "…/ledger" or "…/ledger/internal" only.',
};
const DRIVERS_OUTSIDE_LEDGER = [
	{ name: 'pg', message: 'Only ledger/store talks to PostgreSQL; go through the Ledger.' },
	{ name: 'node:sqlite', message: 'Only ledger/store talks to SQLite; go through the Ledger.' },
];
// A string or template that reads as SQL: a statement keyword followed by its clause.
const SQL = String.raw`/\b(SELECT\s[\s\S]*\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|DROP\s+(TABLE|SCHEMA))\b/`;
const SQL_OUTSIDE_LEDGER = [
	{ selector: `Literal[value=${SQL}]`, message: 'No SQL outside ledger/: add a ledger function (a bench baseline goes in ledger/, exported from ledger/internal.ts).' },
	{ selector: `TemplateElement[value.raw=${SQL}]`, message: 'No SQL outside ledger/: add a ledger function (a bench baseline goes in ledger/, exported from ledger/internal.ts).' },
];

// This pack needs `pg` and `node:sqlite` for its durable ledger, so it is for self-hosted n8n only
// ("strict": false in package.json) and uses the lint preset without n8n Cloud's import limits.
export default [
	...configWithoutCloudSupport,
	{
		ignores: ['dist/**', 'node_modules/**', '.n8n-local/**', 'test-artifacts/**', '.tmp/**'],
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
	{
		files: ['ledger/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [N8N_IN_LEDGER] }] },
	},
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		rules: {
			'no-restricted-imports': ['error', { paths: DRIVERS_OUTSIDE_LEDGER, patterns: [LEDGER_BEYOND_PUBLIC_ENTRY] }],
			'no-restricted-syntax': ['error', ...SQL_OUTSIDE_LEDGER],
		},
	},
	{
		files: ['bench/**/*.ts', 'scripts/**/*.ts'],
		rules: {
			'no-restricted-imports': ['error', { paths: DRIVERS_OUTSIDE_LEDGER, patterns: [LEDGER_BEYOND_INTERNAL_ENTRY] }],
			'no-restricted-syntax': ['error', ...SQL_OUTSIDE_LEDGER],
		},
	},
	{
		files: ['test/**/*.ts'],
		rules: { 'no-restricted-imports': ['error', { patterns: [LEDGER_BEYOND_INTERNAL_ENTRY] }] },
	},
];
