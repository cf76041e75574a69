/**
 * The shape ARCHITECTURE.md promises a newcomer: in ledger/ and nodes/ no file above 500 lines and
 * no function above 80 lines, so each rule can be read on one screen or two. Declarative lists do not
 * count: parameter lists are not functions, and a function that only names a few values and returns
 * one array or object literal (a list of SQL statements, say) is data, however long.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
	const found: string[] = [];
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) found.push(...sourceFiles(path));
		else if (entry.endsWith('.ts')) found.push(path);
	}
	return found;
}

const FILES = ['ledger', 'nodes'].flatMap((dir) => sourceFiles(join(ROOT, dir)));

function functionName(node: ts.Node, file: ts.SourceFile): string {
	const named = node as ts.Node & { name?: ts.Node };
	if (named.name) return named.name.getText(file);
	const parent = node.parent;
	if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(file);
	return '(anonymous)';
}

/** A body of `const` declarations and one `return [ … ]` / `return { … }`: a declarative list. */
function isDeclarativeList(node: ts.FunctionLikeDeclaration): boolean {
	const body = node.body;
	if (!body) return false;
	if (!ts.isBlock(body)) return ts.isArrayLiteralExpression(body) || ts.isObjectLiteralExpression(ts.isParenthesizedExpression(body) ? body.expression : body);
	const statements = body.statements;
	const last = statements[statements.length - 1];
	if (!last || !ts.isReturnStatement(last) || !last.expression) return false;
	const returned = last.expression;
	if (!ts.isArrayLiteralExpression(returned) && !ts.isObjectLiteralExpression(returned)) return false;
	return statements.slice(0, -1).every((s) => ts.isVariableStatement(s));
}

/** Every function-like node longer than the limit, as "path:line name (n lines)". */
function longFunctions(path: string): string[] {
	const text = readFileSync(path, 'utf8');
	const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
	const long: string[] = [];
	const visit = (node: ts.Node): void => {
		if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body && !isDeclarativeList(node as ts.FunctionLikeDeclaration)) {
			const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
			const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
			const lines = end - start + 1;
			if (lines > MAX_FUNCTION_LINES) long.push(`${relative(ROOT, path)}:${start + 1} ${functionName(node, file)} (${lines} lines)`);
		}
		ts.forEachChild(node, visit);
	};
	visit(file);
	return long;
}

test(`no file in ledger/ or nodes/ above ${MAX_FILE_LINES} lines`, () => {
	assert.ok(FILES.length > 50, `expected the pack's sources, found ${FILES.length} files`);
	const long = FILES.map((path) => ({ path: relative(ROOT, path), lines: readFileSync(path, 'utf8').split('\n').length })).filter((f) => f.lines > MAX_FILE_LINES);
	assert.deepEqual(long, []);
});

test(`no function in ledger/ or nodes/ above ${MAX_FUNCTION_LINES} lines`, () => {
	assert.deepEqual(FILES.flatMap(longFunctions), []);
});

test('the check sees a long function when there is one', () => {
	const body = Array.from({ length: MAX_FUNCTION_LINES + 1 }, (_, i) => `\tconst v${i} = ${i};`).join('\n');
	const file = ts.createSourceFile('planted.ts', `export function planted(): void {\n${body}\n}\n`, ts.ScriptTarget.ES2022, true);
	let found = 0;
	const visit = (node: ts.Node): void => {
		if (ts.isFunctionLike(node)) {
			const lines = file.getLineAndCharacterOfPosition(node.getEnd()).line - file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
			if (lines > MAX_FUNCTION_LINES) found++;
		}
		ts.forEachChild(node, visit);
	};
	visit(file);
	assert.equal(found, 1);
});
