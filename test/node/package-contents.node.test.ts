/**
 * Issue 21: the package as published. `npm pack` of a fresh build must hold exactly what n8n loads
 * — the compiled code, the node icons, the codex (.node.json) files, README, LICENSE and
 * package.json — and nothing else: no source maps (their sources are not shipped, so they would
 * point users' stack traces at files they do not have), no type declarations (nobody imports the
 * pack as a library), no dist/package.json, and none of the PNG / SVG files the n8n-node build
 * copies from anywhere in the repository (browser-test screenshots, docs images, bench or test
 * files). The build runs on a copy of the repository with a screenshot planted where the browser
 * tests write theirs, so the rule is proven on a clean clone too.
 *
 * The tarball is then installed the way n8n's community-package installer does (its own
 * dependencies only, n8n-workflow provided by n8n), and every module of it is required in a
 * process of its own: nothing may be missing from `dependencies`, nothing listed may be unused,
 * and no module may ask for node:sqlite while loading (on a Node without it the nodes must load).
 * With node:sqlite made unavailable (test/support/without-node-sqlite.cjs, as on Node 20) every
 * module still loads, and the ledger credential's Test button says what to do — and a PostgreSQL
 * ledger still works.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { installTarball, packTarball, PACKAGE_NAME, PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';
import { ensureN8nRuntime } from '../../scripts/lib/n8n-runtime';
import { freshDatabase } from '../support/stores';

const execFileAsync = promisify(execFile);

interface Manifest {
	dependencies: Record<string, string>;
	peerDependencies: Record<string, string>;
	n8n: { nodes: string[]; credentials: string[] };
}
const MANIFEST = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Manifest;

/** What n8n loads from a community package; anything else in the tarball is a failure. */
const ALLOWED: RegExp[] = [
	/^package\.json$/,
	/^README\.md$/,
	/^LICENSE\.md$/,
	/^dist\/(credentials|ledger|nodes)\/.+\.js$/,
	/^dist\/nodes\/.+\.node\.json$/,
	/^dist\/nodes\/.+\.svg$/,
];

/** Left out of the copy: installed or built things, and this machine's own state. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', '.tmp', '.n8n-local', '.n8n-queue']);

function filesUnder(dir: string): string[] {
	if (!existsSync(dir)) return [];
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
	);
}

/** Source files of the pack's three folders, as paths relative to the package root. */
function sources(predicate: (path: string) => boolean): string[] {
	return ['credentials', 'ledger', 'nodes'].flatMap((dir) => filesUnder(join(PACKAGE_ROOT, dir)).map((f) => relative(PACKAGE_ROOT, f)).filter(predicate));
}

interface LoadReport {
	node: string;
	loaded: string[];
	failed: Array<{ file: string; error: string }>;
	packages: string[];
	sqliteAtLoad: boolean;
}

describe('the published package (npm pack of a fresh build)', { timeout: 15 * 60_000 }, () => {
	let scratch: string;
	let tarball: string;
	let packed: string[];
	let installed: string;
	let childEnv: NodeJS.ProcessEnv;

	before(async () => {
		scratch = mkdtempSync(join(tmpdir(), 'wl-pack-'));
		const repo = join(scratch, 'repo');
		mkdirSync(repo);
		for (const entry of readdirSync(PACKAGE_ROOT)) {
			if (!NOT_COPIED.has(entry)) cpSync(join(PACKAGE_ROOT, entry), join(repo, entry), { recursive: true });
		}
		symlinkSync(join(PACKAGE_ROOT, 'node_modules'), join(repo, 'node_modules'));
		// What a run of the browser tests leaves behind before someone publishes.
		mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
		writeFileSync(join(repo, 'test-artifacts', 'review-desk-phone.png'), 'not really a png');
		const bin = join(PACKAGE_ROOT, 'node_modules', '.bin');
		await execFileAsync(join(bin, 'n8n-node'), ['build'], { cwd: repo, env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
		tarball = await packTarball(join(scratch, 'packed'), repo);
		const { stdout } = await execFileAsync('tar', ['-tzf', tarball]);
		packed = stdout
			.split('\n')
			.filter(Boolean)
			.map((line) => line.replace(/^package\//, ''))
			.sort();
	});
	after(() => {
		if (scratch) rmSync(scratch, { recursive: true, force: true });
	});

	it('holds nothing but what n8n loads', () => {
		assert.ok(packed.length > 0, 'the tarball lists no files');
		const extra = packed.filter((path) => !ALLOWED.some((rule) => rule.test(path)));
		assert.deepEqual(extra, [], `files in the tarball that n8n does not need: ${extra.join(', ')}`);
	});

	it('leaves out the screenshot the build copied into dist/', () => {
		// The n8n-node build copies every PNG and SVG of the repository into dist/; only `files` keeps them out.
		assert.ok(existsSync(join(scratch, 'repo', 'dist', 'test-artifacts', 'review-desk-phone.png')), 'the build no longer copies the screenshot (the test would prove nothing)');
		assert.deepEqual(packed.filter((path) => /test-artifacts|\.png$|\.map$|\.d\.ts$|^dist\/package\.json$/.test(path)), []);
	});

	it('holds every node, credential, compiled module, icon and codex file', () => {
		const expected = [
			'package.json',
			'README.md',
			'LICENSE.md',
			...MANIFEST.n8n.nodes,
			...MANIFEST.n8n.credentials,
			...sources((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')).map((p) => `dist/${p.replace(/\.ts$/, '.js')}`),
			...sources((p) => p.endsWith('.svg') || p.endsWith('.node.json')).map((p) => `dist/${p}`),
		];
		const missing = [...new Set(expected)].filter((path) => !packed.includes(path));
		assert.deepEqual(missing, [], `missing from the tarball: ${missing.join(', ')}`);
		for (const node of MANIFEST.n8n.nodes) assert.ok(packed.includes(node.replace(/\.js$/, '.json')), `${node} has no codex file in the tarball`);
	});

	it('installs as n8n installs it and loads every module with only its own dependencies', async () => {
		const runtime = await ensureN8nRuntime();
		const nodesDir = join(scratch, 'user', '.n8n', 'nodes');
		mkdirSync(nodesDir, { recursive: true });
		installed = await installTarball(nodesDir, tarball);
		// n8n hands its own n8n-workflow to community packages (the peer dependency); nothing else.
		symlinkSync(join(runtime.dir, 'node_modules', 'n8n-workflow'), join(nodesDir, 'node_modules', 'n8n-workflow'));
		childEnv = { ...process.env };
		delete childEnv.NODE_PATH;
		delete childEnv.NODE_OPTIONS;
		const { stdout } = await execFileAsync(process.execPath, [join(PACKAGE_ROOT, 'test', 'support', 'load-every-module.cjs'), join(installed, 'dist')], {
			env: childEnv,
			cwd: scratch,
			maxBuffer: 16 * 1024 * 1024,
		});
		const report = JSON.parse(stdout) as LoadReport;
		assert.deepEqual(report.failed, [], `modules that do not load from the installed package: ${JSON.stringify(report.failed)}`);
		assert.equal(report.loaded.length, packed.filter((p) => p.endsWith('.js')).length);
		assert.equal(report.sqliteAtLoad, false, 'a module requires node:sqlite while loading: on a Node without it the whole pack would fail to load');
		const declared = [...Object.keys(MANIFEST.dependencies), ...Object.keys(MANIFEST.peerDependencies)].sort();
		assert.deepEqual(report.packages, declared, 'the packages dist/ requires are not exactly dependencies + peerDependencies');
		assert.equal(existsSync(join(installed, 'node_modules', 'n8n-workflow')), false, 'the peer n8n-workflow was installed beside the pack (n8n must provide its own)');
		assert.ok(existsSync(join(nodesDir, 'package.json')) && JSON.parse(readFileSync(join(nodesDir, 'package.json'), 'utf8')).dependencies[PACKAGE_NAME]);
	});

	it('on a Node without node:sqlite: every module loads, the credential test says what to do, PostgreSQL works', async () => {
		assert.ok(installed, 'the install step above did not run');
		const withoutSqlite = ['--require', join(PACKAGE_ROOT, 'test', 'support', 'without-node-sqlite.cjs')];
		const refusals = join(scratch, 'refused-requires.log');
		const env = { ...childEnv, WL_NO_SQLITE_LOG: refusals };
		const loading = await execFileAsync(process.execPath, [...withoutSqlite, join(PACKAGE_ROOT, 'test', 'support', 'load-every-module.cjs'), join(installed, 'dist')], {
			env,
			maxBuffer: 16 * 1024 * 1024,
		});
		const report = JSON.parse(loading.stdout) as LoadReport;
		assert.deepEqual(report.failed, []);
		assert.equal(existsSync(refusals), false, 'loading asked for node:sqlite');

		const postgres = await freshDatabase('postgres');
		try {
			const config = postgres.config as { host: string; port: number; database: string; user: string; password?: string; schema: string };
			const sqlitePath = join(scratch, 'embedded', 'ledger.sqlite');
			const credentials = [
				{ driver: 'sqlite', sqlitePath },
				{ driver: 'postgres', postgresConnection: 'fields', host: config.host, port: config.port, database: config.database, user: config.user, password: config.password ?? '', schema: config.schema },
			];
			const probe = await execFileAsync(process.execPath, [...withoutSqlite, join(PACKAGE_ROOT, 'test', 'support', 'credential-test-probe.cjs'), installed, JSON.stringify(credentials)], { env });
			const [embedded, pg] = JSON.parse(probe.stdout) as Array<{ status: string; message: string }>;
			assert.equal(embedded?.status, 'Error');
			assert.match(embedded!.message, /the embedded SQLite ledger needs node:sqlite, which the Node\.js running this n8n \(v[\d.]+\) does not have/);
			assert.match(embedded!.message, /Use a PostgreSQL ledger: a Waitlist Ledger credential with Storage "PostgreSQL"/);
			assert.match(embedded!.message, /WAITLIST_LEDGER_DATABASE_URL/);
			assert.match(embedded!.message, /Or upgrade n8n/);
			assert.ok(readFileSync(refusals, 'utf8').includes(`${PACKAGE_NAME}/dist/ledger/store/sqlite.js`), 'the embedded ledger never asked for node:sqlite');
			assert.equal(existsSync(sqlitePath), false, 'a ledger file was created although it cannot be used');
			assert.deepEqual(pg, { status: 'OK', message: pg!.message });
			assert.match(pg!.message, new RegExp(`schema ${config.schema}, schema version \\d+`));
		} finally {
			await postgres.drop();
		}
	});
});
