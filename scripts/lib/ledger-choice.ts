/**
 * Which ledger each pack node of the published workflows uses, and a warning when the workflows of
 * one launch do not all use the same one (issue 20 row 14: the signup template's claimed work sat in
 * PostgreSQL while the published drain kept reading the embedded file). Mirrors the rule in
 * nodes/shared/ledgerAccess.ts: Storage "default" → the server's WAITLIST_LEDGER_DATABASE_URL or the
 * embedded file; "credential" → the selected credential; no Storage saved → "auto" for version 1 (the
 * credential if one is selected), "default" from version 1.1.
 */
const PACK_PREFIX = 'n8n-nodes-waitlist-ledger.';

export interface WorkflowNodes {
	name: string;
	nodes: Array<{
		name: string;
		type: string;
		typeVersion?: number;
		disabled?: boolean;
		parameters?: Record<string, unknown>;
		credentials?: Record<string, { id?: string | null; name: string } | string | null>;
	}>;
}

export interface LedgerUse {
	workflow: string;
	node: string;
	launch: string;
	/** Same key, same ledger. */
	key: string;
	label: string;
}

function serverDefault(env: NodeJS.ProcessEnv): { key: string; label: string } {
	return env.WAITLIST_LEDGER_DATABASE_URL?.trim()
		? { key: 'default:url', label: "the server's WAITLIST_LEDGER_DATABASE_URL" }
		: { key: 'default:embedded', label: 'the embedded file (no credential, WAITLIST_LEDGER_DATABASE_URL unset)' };
}

export function ledgerUses(workflows: readonly WorkflowNodes[], env: NodeJS.ProcessEnv = process.env): LedgerUse[] {
	const uses: LedgerUse[] = [];
	for (const wf of workflows) {
		for (const node of wf.nodes) {
			if (!node.type.startsWith(PACK_PREFIX) || node.disabled) continue;
			const params = node.parameters ?? {};
			const storage = typeof params.storage === 'string' ? params.storage : (node.typeVersion ?? 1) >= 1.1 ? 'default' : 'auto';
			const credential = node.credentials?.waitlistLedgerApi;
			const cred = credential && typeof credential === 'object' ? credential : typeof credential === 'string' ? { id: credential, name: credential } : null;
			const launch = typeof params.launch === 'string' && params.launch.trim() !== '' ? params.launch.trim() : 'default';
			let where: { key: string; label: string };
			if (storage === 'credential' || (storage === 'auto' && cred)) {
				where = cred ? { key: `credential:${cred.id ?? cred.name}`, label: `the credential "${cred.name}"` } : { key: 'credential:none', label: 'Storage "PostgreSQL Credential" without a credential (fails)' };
			} else {
				where = serverDefault(env);
			}
			uses.push({ workflow: wf.name, node: node.name, launch, ...where });
		}
	}
	return uses;
}

/** Lines to print when one launch's published workflows use more than one ledger; [] when they agree. */
export function mixedLedgerWarnings(uses: readonly LedgerUse[]): string[] {
	const byLaunch = new Map<string, LedgerUse[]>();
	for (const use of uses) byLaunch.set(use.launch, [...(byLaunch.get(use.launch) ?? []), use]);
	const lines: string[] = [];
	for (const [launch, list] of byLaunch) {
		const ledgers = new Map<string, LedgerUse[]>();
		for (const use of list) ledgers.set(use.key, [...(ledgers.get(use.key) ?? []), use]);
		if (ledgers.size < 2) continue;
		lines.push(`WARNING: the published workflows of launch "${launch}" use ${ledgers.size} different ledgers; work one of them writes, another never sees:`);
		for (const group of ledgers.values()) {
			const where = [...new Set(group.map((u) => `${u.workflow} › ${u.node}`))];
			lines.push(`  ${group[0]!.label}: ${where.slice(0, 4).join(', ')}${where.length > 4 ? ` and ${where.length - 4} more` : ''}`);
		}
		lines.push('  Point them at one: set WAITLIST_LEDGER_DATABASE_URL for the server and Storage "Default" on every node, or select the same credential on each.');
	}
	return lines;
}
