/**
 * The layering rules in eslint.config.mjs fail on a planted violation in each layer, and pass the
 * same code written the allowed way. ESLint lints the text as if it stood at that path, so nothing
 * is written into the tree.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function layeringErrors(path: string, code: string): Promise<string[]> {
	const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
	assert.ok(result, `ESLint returned no result for ${path}`);
	return result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

const CASES: Array<{ layer: string; path: string; planted: string; allowed: string; says: RegExp }> = [
	{
		layer: 'ledger/ imports nothing from n8n',
		path: 'ledger/contacts/planted.ts',
		planted: "import { NodeOperationError } from 'n8n-workflow';\nexport const planted = NodeOperationError;\n",
		allowed: "import { LedgerInputError } from '../errors';\nexport const planted = LedgerInputError;\n",
		says: /no n8n imports/,
	},
	{
		layer: 'nodes/ reach the ledger through its public entry',
		path: 'nodes/WaitlistContact/actions/contact/planted.ts',
		planted: "import { openStore } from '../../../../ledger/store';\nexport const planted = openStore;\n",
		allowed: "import { Ledger } from '../../../../ledger';\nexport const planted = Ledger;\n",
		says: /public entry only/,
	},
	{
		layer: 'nodes/ never open a database driver',
		path: 'nodes/shared/planted.ts',
		planted: "import { Client } from 'pg';\nexport const planted = Client;\n",
		allowed: "import { Ledger } from '../../ledger';\nexport const planted = Ledger;\n",
		says: /Only ledger\/store talks to PostgreSQL/,
	},
	{
		layer: 'no SQL in nodes/',
		path: 'nodes/shared/planted.ts',
		planted: "export const planted = `SELECT id FROM contacts WHERE launch = $1`;\n",
		allowed: "export const planted = 'Select the contacts from the list below';\n",
		says: /No SQL outside ledger/,
	},
	{
		layer: 'no SQL in benches',
		path: 'bench/planted.bench.ts',
		planted: "export const planted = 'INSERT INTO contacts (id) VALUES ($1)';\n",
		allowed: "export const planted = 'insert a contact into the ledger';\n",
		says: /No SQL outside ledger/,
	},
	{
		layer: 'tests use the public or the internal entry',
		path: 'test/contract/planted.test.ts',
		planted: "import { upsertContact } from '../../ledger/contacts/upsert';\nexport const planted = upsertContact;\n",
		allowed: "import { Ledger } from '../../ledger';\nimport * as internal from '../../ledger/internal';\nexport const planted = [Ledger, internal];\n",
		says: /"…\/ledger" or "…\/ledger\/internal" only/,
	},
];

describe('layering lint rules', () => {
	for (const c of CASES) {
		test(`${c.layer}: a planted violation fails, the allowed form passes`, async () => {
			const planted = await layeringErrors(c.path, c.planted);
			assert.equal(planted.length, 1, `expected one layering error for the planted code in ${c.path}, got: ${JSON.stringify(planted)}`);
			assert.match(planted[0]!, c.says);
			assert.deepEqual(await layeringErrors(c.path, c.allowed), []);
		});
	}
});
