/**
 * Preload (`node --require`) that makes `node:sqlite` unavailable to this pack, as on a Node that
 * has none (Node 20; Node 22 before 22.13 without --experimental-sqlite): requiring it from a file
 * of the pack (a path with "n8n-nodes-waitlist-ledger/" in it, or under WL_NO_SQLITE_ROOT) throws
 * the error such a Node throws. n8n's own modules are left alone. Each refused require is appended
 * to WL_NO_SQLITE_LOG (one line: the requiring file), so a test can tell when it was attempted.
 */
'use strict';
const Module = require('node:module');
const { appendFileSync } = require('node:fs');

const roots = ['/n8n-nodes-waitlist-ledger/', process.env.WL_NO_SQLITE_ROOT].filter(Boolean);
const originalLoad = Module._load;

Module._load = function load(request, parent, isMain) {
	if ((request === 'node:sqlite' || request === 'sqlite') && parent && roots.some((root) => String(parent.filename).includes(root))) {
		if (process.env.WL_NO_SQLITE_LOG) appendFileSync(process.env.WL_NO_SQLITE_LOG, `${parent.filename}\n`);
		const error = new Error(`No such built-in module: ${request}`);
		error.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
		throw error;
	}
	return originalLoad.call(this, request, parent, isMain);
};
