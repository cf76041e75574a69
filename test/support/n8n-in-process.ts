/**
 * In-process harness: runs a workflow JSON through n8n-core's WorkflowExecute with this pack's
 * nodes (from source) and n8n-nodes-base's real nodes, and returns every node's output items and
 * errors. No n8n server, no database of n8n's own; the ledger is real (the pack's nodes open it
 * through their credential, or WAITLIST_LEDGER_SQLITE_PATH).
 *
 *   const result = await runWorkflow(workflowJson, {
 *     trigger: { node: 'Waitlist Capture Trigger', items: [{ json: { email: 'a@b.co' } }] },
 *     credentials: { waitlistLedgerApi: { driver: 'sqlite', sqlitePath: '/tmp/x.sqlite' } },
 *   });
 *   result.output('Waitlist Contact')      // items (json) of output 0
 *   result.output('Waitlist Contact', 1)   // items of output 1 (e.g. "review")
 *   result.error('Waitlist Contact')       // the node's error, if it failed
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	IRun,
	IVersionedNodeType,
	IWorkflowBase,
	IWorkflowExecuteAdditionalData,
	IConnections,
} from 'n8n-workflow';

// Must load before anything that requires n8n's modules.
import { N8N_MODULES } from './n8n-modules';
import { PACKAGE_NAME, PACKAGE_ROOT } from '../../scripts/lib/n8n-instance';

/* eslint-disable @typescript-eslint/no-require-imports -- n8n's modules must load after the resolver patch above */
const n8nWorkflow = require('n8n-workflow') as typeof import('n8n-workflow');
interface N8nCore {
	WorkflowExecute: new (
		additionalData: IWorkflowExecuteAdditionalData,
		mode: string,
		runExecutionData: unknown,
	) => { processRunExecutionData(workflow: unknown): PromiseLike<IRun> };
	ExecutionLifecycleHooks: new (
		mode: string,
		executionId: string,
		workflowData: IWorkflowBase,
	) => { addHandler(name: string, handler: (...args: unknown[]) => void): void };
}
const n8nCore = require('n8n-core') as N8nCore;
/* eslint-enable @typescript-eslint/no-require-imports */

type NodeClass = new () => INodeType | IVersionedNodeType;
type CredentialClass = new () => { name: string; authenticate?: unknown; extends?: string[] };

const nodeClassCache = new Map<string, INodeType | IVersionedNodeType>();

function loadClass<T>(file: string, className?: string): T {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const exported = require(file) as Record<string, T>;
	if (className && exported[className]) return exported[className]!;
	const first = Object.values(exported)[0];
	if (!first) throw new Error(`${file} exports nothing`);
	return first;
}

/** This pack's nodes, from source, keyed by their full type name. */
function packNodeFiles(): Map<string, string> {
	const manifest = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	const files = new Map<string, string>();
	for (const distPath of manifest.n8n.nodes) {
		const source = join(PACKAGE_ROOT, distPath.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		const Cls = loadClass<NodeClass>(source);
		const instance = new Cls();
		files.set(`${PACKAGE_NAME}.${instance.description.name}`, source);
		nodeClassCache.set(`${PACKAGE_NAME}.${instance.description.name}`, instance);
	}
	return files;
}

let knownBaseNodes: Record<string, { className: string; sourcePath: string }> | undefined;
let knownBaseCredentials: Record<string, { className: string; sourcePath: string }> | undefined;

export function loadNodeType(type: string): INodeType | IVersionedNodeType {
	const cached = nodeClassCache.get(type);
	if (cached) return cached;
	if (type.startsWith(`${PACKAGE_NAME}.`)) {
		packNodeFiles();
		const loaded = nodeClassCache.get(type);
		if (!loaded) throw new Error(`This pack has no node "${type}" (package.json n8n.nodes lists what it has)`);
		return loaded;
	}
	if (type.startsWith('n8n-nodes-base.')) {
		knownBaseNodes ??= JSON.parse(readFileSync(join(N8N_MODULES, 'n8n-nodes-base', 'dist', 'known', 'nodes.json'), 'utf8'));
		const known = knownBaseNodes![type.slice('n8n-nodes-base.'.length)];
		if (!known) throw new Error(`n8n-nodes-base has no node "${type}"`);
		const Cls = loadClass<NodeClass>(join(N8N_MODULES, 'n8n-nodes-base', known.sourcePath), known.className);
		const instance = new Cls();
		nodeClassCache.set(type, instance);
		return instance;
	}
	throw new Error(`Unknown node type "${type}"`);
}

function loadCredentialType(name: string): InstanceType<CredentialClass> | undefined {
	knownBaseCredentials ??= JSON.parse(readFileSync(join(N8N_MODULES, 'n8n-nodes-base', 'dist', 'known', 'credentials.json'), 'utf8'));
	const known = knownBaseCredentials![name];
	if (!known) return undefined;
	const Cls = loadClass<CredentialClass>(join(N8N_MODULES, 'n8n-nodes-base', known.sourcePath), known.className);
	return new Cls();
}

const nodeTypes = {
	getByName: (type: string) => loadNodeType(type),
	getByNameAndVersion: (type: string, version?: number) => n8nWorkflow.NodeHelpers.getVersionedNodeType(loadNodeType(type), version),
	getKnownTypes: () => ({}),
};

/**
 * Credentials from a plain map, keyed by credential type. `authenticate` applies a credential's
 * generic auth (headers / query / body with `={{$credentials.x}}` expressions), which is what the
 * vendor nodes (Kit, HubSpot …) use — enough for nock-faked vendor APIs.
 */
class MapCredentialsHelper extends n8nWorkflow.ICredentialsHelper {
	constructor(private readonly byType: Record<string, ICredentialDataDecryptedObject>) {
		super();
	}
	getParentTypes(name: string): string[] {
		return loadCredentialType(name)?.extends ?? [];
	}
	isCredentialUsableByNode(): boolean {
		return true;
	}
	async authenticate(credentials: ICredentialDataDecryptedObject, typeName: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const type = loadCredentialType(typeName);
		const auth = type?.authenticate as
			| { type: 'generic'; properties: Record<string, Record<string, string>> }
			| ((credentials: ICredentialDataDecryptedObject, options: IHttpRequestOptions) => Promise<IHttpRequestOptions>)
			| undefined;
		// Some credentials authenticate with code (ConvertKit API puts api_secret in the query).
		if (typeof auth === 'function') return auth.call(type, credentials, requestOptions);
		if (!auth || auth.type !== 'generic') return requestOptions;
		const resolve = (value: string) =>
			value.replace(/^=/, '').replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, key: string) => String(credentials[key] ?? ''));
		const target = requestOptions as unknown as Record<string, Record<string, unknown> | undefined>;
		for (const [where, values] of Object.entries(auth.properties)) {
			target[where] = { ...(target[where] ?? {}) };
			// Keys may be expressions too (Header Auth: `{ '={{$credentials.name}}': '={{$credentials.value}}' }`).
			for (const [key, value] of Object.entries(values)) target[where]![resolve(key)] = resolve(value);
		}
		return requestOptions;
	}
	async preAuthentication(): Promise<undefined> {
		return undefined;
	}
	async runPreAuthentication(): Promise<undefined> {
		return undefined;
	}
	async getCredentials(): Promise<never> {
		throw new Error('getCredentials is not used in-process');
	}
	async getDecrypted(_additionalData: unknown, _nodeCredentials: unknown, type: string): Promise<ICredentialDataDecryptedObject> {
		const data = this.byType[type];
		if (!data) throw new Error(`Node credentials not found for type "${type}"`);
		return data;
	}
	async updateCredentials(): Promise<void> {}
	async updateCredentialsOauthTokenData(): Promise<void> {}
	getCredentialsProperties(): [] {
		return [];
	}
}

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IDataObject;
	pinData?: Record<string, INodeExecutionData[]>;
}

export interface RunOptions {
	/** The node to start at and the items it "emits" (a trigger's output, as if it had fired). */
	trigger?: { node: string; items: INodeExecutionData[] };
	/**
	 * Hand the trigger's items to the trigger node as its input, as n8n does when a webhook starts a
	 * production run, so a trigger's own execute() runs; by default they are pinned (execute skipped).
	 */
	triggerRuns?: boolean;
	/** Decrypted credential data by credential type name, e.g. { waitlistLedgerApi: {...} }. */
	credentials?: Record<string, ICredentialDataDecryptedObject>;
}

export interface NodeRunResult {
	/** Items per output index, json only. */
	outputs: IDataObject[][];
	error?: { message: string; description?: string | null; name?: string };
}

export interface WorkflowRunResult {
	run: IRun;
	nodes: Record<string, NodeRunResult>;
	/** json of every item on the given output of the node's last run ([] when it did not run). */
	output(node: string, outputIndex?: number): IDataObject[];
	error(node: string): NodeRunResult['error'];
	ran(node: string): boolean;
}


function createAdditionalData(
	workflowData: IWorkflowBase,
	credentials: Record<string, ICredentialDataDecryptedObject> = {},
	http?: { request: unknown; response: unknown },
): { additionalData: IWorkflowExecuteAdditionalData; finished: Promise<IRun> } {
	const executionId = randomUUID();
	const hooks = new n8nCore.ExecutionLifecycleHooks('manual', executionId, workflowData);
	const finished = new Promise<IRun>((resolve) => hooks.addHandler('workflowExecuteAfter', (run) => resolve(run as IRun)));

	const additionalData = {
		hooks,
		credentialsHelper: new MapCredentialsHelper(credentials),
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not supported in the in-process harness');
		},
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		variables: {},
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		userId: 'in-process-test',
		setExecutionStatus: () => undefined,
		logAiEvent: () => undefined,
		getRunExecutionData: async () => undefined,
		startRunnerTask: async () => {
			throw new Error('Code node task runners are not available in the in-process harness');
		},
		httpRequest: http?.request,
		httpResponse: http?.response,
	} as unknown as IWorkflowExecuteAdditionalData;
	return { additionalData, finished };

}

/**
 * Copies the workflow's nodes, selecting a test credential on every node that accepts one of the
 * given credential types and has none selected (as a user would in the editor; for the ledger
 * credential that includes setting Storage to "PostgreSQL Credential").
 */
function nodesWithCredentials(workflowJson: WorkflowJson, credentials: Record<string, ICredentialDataDecryptedObject> = {}): INode[] {
	return workflowJson.nodes.map((n) => {
		const node: INode = { ...n, parameters: { ...n.parameters }, credentials: { ...(n.credentials ?? {}) } };
		const accepted = (n8nWorkflow.NodeHelpers.getVersionedNodeType(loadNodeType(n.type), n.typeVersion).description.credentials ?? []).map((c) => c.name);
		// An HTTP Request node names its credential type in its parameters (predefined or generic).
		const named = [n.parameters?.nodeCredentialType, n.parameters?.genericAuthType].filter((t): t is string => typeof t === 'string');
		for (const type of [...accepted, ...named]) {
			if (credentials[type] && !node.credentials![type]) {
				node.credentials![type] = { id: `test-${type}`, name: `test ${type}` };
				// As in the editor: the ledger credential is used once Storage says so (nodes/shared/ledgerAccess.ts).
				if (type === 'waitlistLedgerApi') node.parameters.storage = 'credential';
			}
		}
		return node;
	});
}

/** An n8n Workflow over the given (credential-completed) nodes; active for webhook runs. */
function buildWorkflow(workflowJson: WorkflowJson, nodes: INode[], active: boolean) {
	return new n8nWorkflow.Workflow({
		id: workflowJson.id ?? 'inProcessTest01',
		name: workflowJson.name ?? 'in-process test',
		nodes,
		connections: workflowJson.connections,
		active,
		nodeTypes,
		staticData: {},
		settings: { executionOrder: 'v1', ...(workflowJson.settings ?? {}) },
	});
}

export async function runWorkflow(workflowJson: WorkflowJson, options: RunOptions = {}): Promise<WorkflowRunResult> {
	const nodes = nodesWithCredentials(workflowJson, options.credentials);
	const workflow = buildWorkflow(workflowJson, nodes, false);

	const startName = options.trigger?.node ?? nodes.find((n) => loadNodeType(n.type).description.group.includes('trigger'))?.name;
	const startNode = startName ? workflow.getNode(startName) : null;
	if (!startNode) throw new Error(`Start node "${startName}" is not in the workflow`);

	const pinData: Record<string, INodeExecutionData[]> = { ...(workflowJson.pinData ?? {}) };
	if (options.trigger && !options.triggerRuns) pinData[options.trigger.node] = options.trigger.items;
	const startItems = options.trigger?.node === startNode.name ? options.trigger.items : pinData[startNode.name];

	const workflowData: IWorkflowBase = {
		id: workflow.id,
		name: workflow.name ?? 'test',
		active: false,
		activeVersionId: null,
		isArchived: false,
		nodes,
		connections: workflowJson.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
	} as IWorkflowBase;

	const { additionalData, finished } = createAdditionalData(workflowData, options.credentials);

	const runExecutionData = n8nWorkflow.createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [startItems ?? [{ json: {} }]] }, source: null }],
		},
		resultData: { pinData, runData: {} },
	});
	const execute = new n8nCore.WorkflowExecute(additionalData, 'manual', runExecutionData);
	await execute.processRunExecutionData(workflow);
	const run = await finished;

	const results: Record<string, NodeRunResult> = {};
	for (const [name, taskRuns] of Object.entries(run.data.resultData.runData)) {
		const last = taskRuns[taskRuns.length - 1];
		if (!last) continue;
		const outputs = (last.data?.main ?? []).map((items) => (items ?? []).map((item) => item.json));
		const error = last.error
			? { message: last.error.message, description: (last.error as { description?: string | null }).description, name: last.error.name }
			: undefined;
		results[name] = { outputs, error };
	}
	return {
		run,
		nodes: results,
		output: (node, outputIndex = 0) => results[node]?.outputs[outputIndex] ?? [],
		error: (node) => results[node]?.error,
		ran: (node) => node in results,
	};
}

export interface FakeRequest {
	method?: string;
	body?: unknown;
	/** Raw bytes as the client sent them (what signature checks read); JSON of body by default; null for none (n8n parsed multipart itself). */
	rawBody?: Buffer | null;
	headers?: Record<string, string>;
	query?: Record<string, string>;
	params?: Record<string, string>;
	/** Request path, e.g. /webhook/waitlist-signup/snippet.js (for nodes with several GET paths). */
	path?: string;
}

export interface CapturedResponse {
	status: number;
	headers: Record<string, string>;
	body: unknown;
	/** Whether the node answered itself (noWebhookResponse) rather than leaving it to n8n. */
	answeredByNode: boolean;
	/** Pieces written one by one (res.write), for streamed answers; `body` is them joined. */
	chunks: string[];
	/** Whether the node ended the response. */
	ended: boolean;
}

/** The subset of an Express response that webhook nodes use, recording what they send. */
function fakeResponse(): { res: Record<string, unknown>; captured: CapturedResponse } {
	const captured: CapturedResponse = { status: 200, headers: {}, body: undefined, answeredByNode: false, chunks: [], ended: false };
	const res: Record<string, unknown> = {};
	Object.assign(res, {
		get headersSent() {
			return captured.chunks.length > 0 || captured.ended;
		},
		write(chunk: unknown) {
			captured.chunks.push(String(chunk));
			captured.body = captured.chunks.join('');
			return true;
		},
		once() {
			return res;
		},
		on() {
			return res;
		},
		removeListener() {
			return res;
		},
		status(code: number) {
			captured.status = code;
			return res;
		},
		setHeader(name: string, value: string) {
			captured.headers[name.toLowerCase()] = String(value);
			return res;
		},
		header(name: string, value: string) {
			captured.headers[name.toLowerCase()] = String(value);
			return res;
		},
		set(name: string, value: string) {
			captured.headers[name.toLowerCase()] = String(value);
			return res;
		},
		json(body: unknown) {
			captured.headers['content-type'] ??= 'application/json';
			captured.body = body;
			return res;
		},
		send(body: unknown) {
			captured.body = body;
			captured.ended = true;
			return res;
		},
		end(body?: unknown) {
			if (body !== undefined) captured.body = body;
			captured.ended = true;
			return res;
		},
		redirect(statusOrUrl: number | string, maybeUrl?: string) {
			captured.status = typeof statusOrUrl === 'number' ? statusOrUrl : 302;
			captured.headers.location = String(maybeUrl ?? statusOrUrl);
			return res;
		},
	});
	return { res, captured };
}

export interface WebhookRunResult {
	response: CapturedResponse;
	/** The rest of the workflow, run with the trigger's items — undefined if it started no execution. */
	workflow?: WorkflowRunResult;
}

/**
 * Calls a webhook trigger node's real `webhook()` with a fake HTTP request, then — if it returned
 * workflow data — runs the rest of the workflow from it, as n8n does for a production webhook.
 */
export async function runWebhook(
	workflowJson: WorkflowJson,
	options: { node: string; request: FakeRequest; webhookName?: string; credentials?: Record<string, ICredentialDataDecryptedObject>; triggerRuns?: boolean },
): Promise<WebhookRunResult> {
	const nodes = nodesWithCredentials(workflowJson, options.credentials);
	const workflow = buildWorkflow(workflowJson, nodes, true);
	const node = workflow.getNode(options.node);
	if (!node) throw new Error(`Node "${options.node}" is not in the workflow`);
	const nodeType = n8nWorkflow.NodeHelpers.getVersionedNodeType(loadNodeType(node.type), node.typeVersion) as INodeType;
	if (!nodeType.webhook) throw new Error(`${node.type} has no webhook()`);
	const webhookDescription = nodeType.description.webhooks?.find((w) => w.name === (options.webhookName ?? 'default'));
	if (!webhookDescription) throw new Error(`${node.type} has no webhook named ${options.webhookName ?? 'default'}`);

	const body = options.request.body ?? {};
	const request = {
		method: options.request.method ?? String(webhookDescription.httpMethod),
		body,
		rawBody: options.request.rawBody === null ? undefined : (options.request.rawBody ?? Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))),
		headers: Object.fromEntries(Object.entries(options.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
		query: options.request.query ?? {},
		params: options.request.params ?? {},
		path: options.request.path ?? `/webhook/${String(node.parameters.path ?? '')}`,
		url: options.request.path ?? `/webhook/${String(node.parameters.path ?? '')}`,
		ip: '127.0.0.1',
	};
	const { res, captured } = fakeResponse();
	const workflowData = { id: workflow.id, name: workflow.name, nodes, connections: workflowJson.connections } as unknown as IWorkflowBase;
	const { additionalData } = createAdditionalData(workflowData, options.credentials, { request, response: res });

	const webhookData = {
		httpMethod: request.method,
		node: node.name,
		path: String(node.parameters.path ?? ''),
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: node.webhookId,
	};
	type WebhookContextClass = new (...args: unknown[]) => ThisParameterType<NonNullable<INodeType['webhook']>>;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { WebhookContext } = require('n8n-core') as { WebhookContext: WebhookContextClass };
	const context = new WebhookContext(workflow, node, additionalData, 'webhook', webhookData, [], null);
	const result = await nodeType.webhook.call(context);
	captured.answeredByNode = result.noWebhookResponse === true;
	if (!result.workflowData) return { response: captured };
	const items = result.workflowData[0] ?? [];
	const rest = await runWorkflow(workflowJson, { trigger: { node: node.name, items }, credentials: options.credentials, triggerRuns: options.triggerRuns });
	return { response: captured, workflow: rest };
}
