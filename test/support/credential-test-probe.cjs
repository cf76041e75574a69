/**
 * Presses the Waitlist Ledger credential's "Test" button the way n8n does (the node class's
 * methods.credentialTest function, called with the decrypted credential) from an installed
 * package, once per credential given, and prints one JSON line with each answer.
 *   node credential-test-probe.cjs <installed package folder> '<JSON array of credential data>'
 */
'use strict';
const { join } = require('node:path');

const [packageDir, credentialsJson] = process.argv.slice(2);
const { WaitlistContact } = require(join(packageDir, 'dist', 'nodes', 'WaitlistContact', 'WaitlistContact.node.js'));
const test = new WaitlistContact().methods.credentialTest.waitlistLedgerConnectionTest;

(async () => {
	const answers = [];
	for (const data of JSON.parse(credentialsJson)) {
		answers.push(await test.call({}, { id: 'probe', name: 'Waitlist Ledger', type: 'waitlistLedgerApi', data }));
	}
	process.stdout.write(`${JSON.stringify(answers)}\n`);
	// A PostgreSQL pool may keep the event loop alive; the answers are written.
	process.exit(0);
})().catch((error) => {
	process.stderr.write(`${error && error.stack}\n`);
	process.exit(1);
});
