/**
 * Which credentials a workflow's nodes need before it can run, and which of them n8n holds — read
 * from the same node and credential descriptions n8n's editor uses (n8n-nodes-base's
 * dist/types/*.json in the pinned runtime, and this pack's installed nodes), so a credential the
 * editor asks for is the credential `npm start` and `npm run status` report.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import Module from 'node:module';
import { delimiter, join } from 'node:path';

import type { N8nRuntime } from './n8n-runtime';

/** A node of a workflow as n8n stores and exports it (only what this module reads). */
export interface WorkflowNode {
	name: string;
	type: string;
	typeVersion: number;
	parameters?: Record<string, unknown>;
	credentials?: Record<string, { id: string | null; name: string } | string | null>;
	disabled?: boolean;
}

export interface WorkflowWithNodes {
	id: string;
	name: string;
	nodes: WorkflowNode[];
}

/** A credential as `n8n export:credentials` lists it (its secret data is not read). */
export interface StoredCredential {
	id: string;
	name: string;
	type: string;
}

interface CredentialDescription {
	name: string;
	required?: boolean;
	displayOptions?: { show?: Record<string, unknown[]>; hide?: Record<string, unknown[]> };
}

interface PropertyDescription {
	name: string;
	default?: unknown;
}

interface NodeDescription {
	name: string;
	version: number | number[];
	credentials?: CredentialDescription[];
	properties?: PropertyDescription[];
}

export interface CredentialCatalog {
	/** "<node type>" → its descriptions, one per version group. */
	nodes: Map<string, NodeDescription[]>;
	/** Credential type name → the name n8n shows for it ("ConvertKit API"). */
	displayNames: Map<string, string>;
}

/** One credential a node needs and does not have. */
export interface MissingCredential {
	node: string;
	type: string;
	/** As n8n's "Add credential" list names it. */
	displayName: string;
	/** Credentials of this type that exist in n8n but are not selected on the node. */
	available: StoredCredential[];
}

const BASE_PREFIX = 'n8n-nodes-base.';

/**
 * n8n-nodes-base's descriptions from the runtime, plus the pack's own nodes and credentials from
 * `packDist` (the installed build n8n loads; its classes carry their descriptions).
 */
export function loadCredentialCatalog(runtime: N8nRuntime, packDist: string, packName: string): CredentialCatalog {
	const baseDir = join(runtime.dir, 'node_modules', 'n8n-nodes-base', 'dist', 'types');
	const nodes = new Map<string, NodeDescription[]>();
	const displayNames = new Map<string, string>();
	for (const description of JSON.parse(readFileSync(join(baseDir, 'nodes.json'), 'utf8')) as NodeDescription[]) {
		const type = `${BASE_PREFIX}${description.name}`;
		nodes.set(type, [...(nodes.get(type) ?? []), description]);
	}
	for (const credential of JSON.parse(readFileSync(join(baseDir, 'credentials.json'), 'utf8')) as Array<{ name: string; displayName: string }>) {
		displayNames.set(credential.name, credential.displayName);
	}
	// The installed pack has no n8n-workflow of its own (n8n provides it, as a peer): resolve it from
	// the runtime, the way n8n itself loads community packages (NODE_PATH).
	const runtimeModules = join(runtime.dir, 'node_modules');
	if (!(process.env.NODE_PATH ?? '').split(delimiter).includes(runtimeModules)) {
		process.env.NODE_PATH = [process.env.NODE_PATH, runtimeModules].filter(Boolean).join(delimiter);
		(Module as unknown as { _initPaths(): void })._initPaths();
	}
	for (const [kind, suffix] of [
		['nodes', '.node.js'],
		['credentials', '.credentials.js'],
	] as const) {
		const dir = join(packDist, kind);
		if (!existsSync(dir)) continue;
		for (const file of listFiles(dir).filter((f) => f.endsWith(suffix))) {
			// eslint-disable-next-line @typescript-eslint/no-require-imports
			const exported = require(file) as Record<string, unknown>;
			for (const value of Object.values(exported)) {
				if (typeof value !== 'function') continue;
				const instance = new (value as new () => { description?: NodeDescription; name?: string; displayName?: string })();
				if (kind === 'nodes' && instance.description) {
					nodes.set(`${packName}.${instance.description.name}`, [instance.description]);
				} else if (kind === 'credentials' && instance.name && instance.displayName) {
					displayNames.set(instance.name, instance.displayName);
				}
			}
		}
	}
	return { nodes, displayNames };
}

function listFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
	);
}

function descriptionFor(catalog: CredentialCatalog, node: WorkflowNode): NodeDescription | undefined {
	const candidates = catalog.nodes.get(node.type) ?? [];
	return (
		candidates.find((d) => (Array.isArray(d.version) ? d.version.includes(node.typeVersion) : d.version === node.typeVersion)) ??
		// A version this n8n does not list: the newest description is the best guess.
		candidates[candidates.length - 1]
	);
}

/** A parameter's value on the node, or the description's default when the node leaves it out. */
function parameterValue(node: WorkflowNode, description: NodeDescription, name: string): unknown {
	if (name === '@version') return node.typeVersion;
	const value = node.parameters?.[name];
	if (value !== undefined) return value;
	return description.properties?.find((p) => p.name === name)?.default;
}

/** n8n's displayOptions for a credential: every `show` condition holds and no `hide` condition does. */
function displayed(node: WorkflowNode, description: NodeDescription, options: CredentialDescription['displayOptions']): boolean {
	if (!options) return true;
	const matches = (name: string, allowed: unknown[]) => allowed.some((a) => a === parameterValue(node, description, name));
	for (const [name, allowed] of Object.entries(options.show ?? {})) if (!matches(name, allowed)) return false;
	for (const [name, allowed] of Object.entries(options.hide ?? {})) if (matches(name, allowed)) return false;
	return true;
}

/**
 * The credential types a node must have to run. The HTTP Request node (v3+) takes its credential
 * type from its own parameters: a predefined type (`nodeCredentialType`, e.g. hubspotAppToken) or a
 * generic one (`genericAuthType`, e.g. httpHeaderAuth).
 */
export function requiredCredentialTypes(node: WorkflowNode, catalog: CredentialCatalog): string[] {
	if (node.disabled) return [];
	const description = descriptionFor(catalog, node);
	const types: string[] = [];
	if (node.type === `${BASE_PREFIX}httpRequest` && node.typeVersion >= 3) {
		const auth = node.parameters?.authentication;
		const named = auth === 'predefinedCredentialType' ? node.parameters?.nodeCredentialType : auth === 'genericCredentialType' ? node.parameters?.genericAuthType : undefined;
		if (typeof named === 'string' && named) types.push(named);
	}
	for (const credential of description?.credentials ?? []) {
		if (credential.required && displayed(node, description!, credential.displayOptions)) types.push(credential.name);
	}
	return [...new Set(types)];
}

function selectedId(node: WorkflowNode, type: string): string | null {
	const selected = node.credentials?.[type];
	return selected && typeof selected === 'object' ? selected.id : null;
}

/** Each credential a workflow's nodes need that is not selected, or selected but gone from n8n. */
export function missingCredentials(workflow: WorkflowWithNodes, catalog: CredentialCatalog, stored: readonly StoredCredential[]): MissingCredential[] {
	const missing: MissingCredential[] = [];
	for (const node of workflow.nodes) {
		for (const type of requiredCredentialTypes(node, catalog)) {
			const ofType = stored.filter((c) => c.type === type);
			const id = selectedId(node, type);
			if (id && ofType.some((c) => c.id === id)) continue;
			missing.push({ node: node.name, type, displayName: catalog.displayNames.get(type) ?? type, available: ofType });
		}
	}
	return missing;
}

/**
 * Selects a credential on each node that needs one of a type n8n holds exactly one credential of —
 * what the editor does when a user opens such a node. With two or more of a type the choice is the
 * user's. Returns the workflow with those nodes changed (a copy) and which nodes were linked.
 */
export function linkOnlyCredentials<W extends WorkflowWithNodes>(
	workflow: W,
	missing: readonly MissingCredential[],
): { workflow: W; linked: Array<{ node: string; credential: StoredCredential }> } {
	const linked: Array<{ node: string; credential: StoredCredential }> = [];
	const nodes = workflow.nodes.map((node) => {
		const mine = missing.filter((m) => m.node === node.name && m.available.length === 1);
		if (mine.length === 0) return node;
		const credentials = { ...(node.credentials ?? {}) };
		for (const m of mine) {
			const credential = m.available[0]!;
			credentials[m.type] = { id: credential.id, name: credential.name };
			linked.push({ node: node.name, credential });
		}
		return { ...node, credentials };
	});
	return { workflow: { ...workflow, nodes }, linked };
}

/**
 * One line per credential type a workflow waits for: its name in n8n, padded to a column, and the
 * nodes that need it ("ConvertKit API        for "Kit: add subscriber"").
 */
export function describeMissing(missing: readonly MissingCredential[]): string[] {
	const byType = new Map<string, MissingCredential[]>();
	for (const m of missing) byType.set(m.type, [...(byType.get(m.type) ?? []), m]);
	const width = Math.max(...[...byType.values()].map((group) => group[0]!.displayName.length));
	return [...byType.values()].map((group) => {
		const first = group[0]!;
		const nodes = group.map((m) => `"${m.node}"`).join(', ');
		const choice = first.available.length > 1 ? ` — ${first.available.length} exist; select one on the node${group.length > 1 ? 's' : ''}` : '';
		return `${first.displayName.padEnd(width)}   for ${nodes}${choice}`;
	});
}
