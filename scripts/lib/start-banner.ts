/**
 * What `npm start` prints once n8n answers: the editor, what is published and its URLs, what waits
 * for which credential and where to create it, and where the data lives.
 */
import { join } from 'node:path';

import { describeMissing } from './n8n-credentials';
import type { TemplateOutcome } from './template-publication';

/** Where a credential is created in n8n 2.41's editor (the same words `npm run status` uses). */
export const WHERE_TO_CREATE_CREDENTIALS = 'in n8n: Overview → Credentials → Create credential, and search for each name above';

/**
 * Whether n8n's owner account has been set up. n8n's public settings say whether the editor will
 * show its setup page on the first visit; null when n8n cannot be asked.
 */
export async function ownerAccountExists(baseUrl: string): Promise<boolean | null> {
	try {
		const res = await fetch(`${baseUrl}/rest/settings`, { signal: AbortSignal.timeout(5_000) });
		if (!res.ok) return null;
		const body = (await res.json()) as { data?: { userManagement?: { showSetupOnFirstLoad?: boolean } } };
		const setup = body.data?.userManagement?.showSetupOnFirstLoad;
		return typeof setup === 'boolean' ? !setup : null;
	} catch {
		return null;
	}
}

export function printBanner(input: { baseUrl: string; ownerExists: boolean | null; outcomes: readonly TemplateOutcome[]; dataDir: string; logFile: string }): void {
	const { baseUrl, outcomes } = input;
	const lines: string[] = ['', 'n8n is ready.', ''];
	const ownerNote = input.ownerExists === false ? '  (first visit: create the owner account)' : input.ownerExists === true ? '  (sign in with your owner account)' : '';
	lines.push(`  Editor:    ${baseUrl}/${ownerNote}`);

	const published = outcomes.filter((o) => o.status === 'published');
	if (published.length) {
		lines.push('', '  Published:');
		for (const { file } of published) {
			lines.push(`    ${file.name}${file.webhookPaths.length ? '' : '   (schedule)'}`);
			for (const hook of file.webhookPaths) {
				const url = `${baseUrl}/${hook.base ?? 'webhook'}/${hook.path}`;
				lines.push(`      ${hook.method.padEnd(4)} ${url}${hook.label ? `   (${hook.label})` : ''}`);
			}
		}
	}

	// The template a stand-in holds the place of first (the signup template: it is what the creator
	// came for), then the ones closest to working.
	const principals = new Set(outcomes.map((o) => o.file.standsInFor).filter(Boolean));
	const rank = (o: TemplateOutcome) => (principals.has(o.file.id) ? 0 : new Set(o.missing.map((m) => m.type)).size);
	const waiting = outcomes.filter((o) => o.status === 'waiting').sort((a, b) => rank(a) - rank(b));
	if (waiting.length) {
		lines.push('', '  Waiting for credentials (drafts: nothing in them runs until then):');
		for (const outcome of waiting) {
			lines.push(`    ${outcome.file.name}`);
			for (const line of describeMissing(outcome.missing)) lines.push(`      ${line}`);
		}
		lines.push(
			`    Create each one ${WHERE_TO_CREATE_CREDENTIALS}.`,
			'    Then run `npm start` again: it selects each credential on the nodes waiting for it (when it is',
			'    the only one of its type) and publishes every workflow that has all it needs — or select it on',
			'    the node yourself and click Publish.',
		);
	}
	for (const outcome of outcomes.filter((o) => o.status === 'draft')) lines.push('', `  Not published: "${outcome.file.name}" — ${outcome.reason ?? 'a draft'}`);
	for (const outcome of outcomes.filter((o) => o.status === 'unpublished')) lines.push('', `  Not published: "${outcome.file.name}" — unpublished in the editor; left so.`);
	const publishedButMissing = outcomes.filter((o) => o.status === 'published' && o.missing.length);
	for (const outcome of publishedButMissing) {
		lines.push('', `  Published but missing credentials: "${outcome.file.name}"`);
		for (const line of describeMissing(outcome.missing)) lines.push(`      ${line}`);
	}

	lines.push(
		'',
		'  Data:',
		`    n8n (workflows, executions): ${join(input.dataDir, '.n8n', 'database.sqlite')}`,
		`    waitlist ledger:             ${join(input.dataDir, '.n8n', 'waitlist-ledger.sqlite')}`,
		`    n8n log:                     ${input.logFile}`,
	);
	const signup = published.flatMap((o) => o.file.webhookPaths).find((h) => h.method === 'POST' && h.path === 'waitlist-signup');
	if (signup) lines.push('', `  Try it: curl -s -X POST ${baseUrl}/webhook/waitlist-signup -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`);
	lines.push('  Launch report: npm run status', '', 'Press Ctrl-C to stop.');
	console.log(lines.join('\n'));
}
