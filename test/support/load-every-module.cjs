/**
 * Requires every .js file under a folder (an installed package's dist/) and prints one JSON line:
 * which failed and why, which packages they required (bare names, built-ins apart) and whether any
 * module asked for node:sqlite while loading. Run in its own process, so nothing the test process
 * already loaded can satisfy a require.
 *   node load-every-module.cjs <dist folder>
 */
'use strict';
const Module = require('node:module');
const { readdirSync } = require('node:fs');
const { join } = require('node:path');

const root = process.argv[2];
const packages = new Set();
const builtins = new Set();
const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
	if (parent && String(parent.filename).startsWith(root)) {
		if (request.startsWith('node:') || Module.isBuiltin(request)) builtins.add(request.replace(/^node:/, ''));
		else if (!request.startsWith('.') && !request.startsWith('/')) {
			const parts = request.split('/');
			packages.add(request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
		}
	}
	return originalLoad.call(this, request, parent, isMain);
};

function files(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? files(join(dir, entry.name)) : entry.name.endsWith('.js') ? [join(dir, entry.name)] : [],
	);
}

const loaded = [];
const failed = [];
for (const file of files(root).sort()) {
	try {
		require(file);
		loaded.push(file.slice(root.length + 1));
	} catch (error) {
		failed.push({ file: file.slice(root.length + 1), error: String(error && error.message).split('\n')[0] });
	}
}
process.stdout.write(
	`${JSON.stringify({ node: process.version, loaded, failed, packages: [...packages].sort(), sqliteAtLoad: builtins.has('sqlite') })}\n`,
);
