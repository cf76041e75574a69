/**
 * A local HTTP server in front of the in-process harness: a request to /webhook/<path> calls the
 * real webhook() of the trigger registered for that path (runWebhook) and answers with what it
 * answered. For node tests of nodes that reach the pack's own webhooks over HTTP (Launch Checklist),
 * so the request goes through n8n's HTTP helper, a socket and the trigger's own code.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { runWebhook, type WebhookRunResult, type WorkflowJson } from './n8n-in-process';

export interface WebhookRoute {
	/** The trigger's path, e.g. "waitlist-signup" (served at /webhook/waitlist-signup). */
	path: string;
	workflow: WorkflowJson;
	node: string;
	webhookName?: string;
	/** Read per request, so a test can change them (e.g. take the page's password away). */
	credentials: () => Record<string, ICredentialDataDecryptedObject>;
}

export interface WebhookServer {
	url(path: string): string;
	/** Every run a request started, in order (the rest of the workflow, when it ran). */
	runs: WebhookRunResult[];
	close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

export async function startWebhookServer(routes: WebhookRoute[]): Promise<WebhookServer> {
	const runs: WebhookRunResult[] = [];
	const server: Server = createServer((req, res) => {
		void (async () => {
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			const route = routes.find((r) => url.pathname === `/webhook/${r.path}`);
			if (!route) {
				res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 404, message: `The requested webhook "${url.pathname}" is not registered.` }));
				return;
			}
			const rawBody = await readBody(req);
			const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
			const text = rawBody.toString('utf8');
			const body = /json/.test(headers['content-type'] ?? '') && text !== '' ? (JSON.parse(text) as unknown) : {};
			const result = await runWebhook(route.workflow, {
				node: route.node,
				webhookName: route.webhookName,
				credentials: route.credentials(),
				request: { method: req.method, body, rawBody, headers, query: Object.fromEntries(url.searchParams), path: url.pathname },
			});
			runs.push(result);
			const { status, headers: answerHeaders, body: answer } = result.response;
			const payload = typeof answer === 'string' || Buffer.isBuffer(answer) ? answer : JSON.stringify(answer ?? {});
			res.writeHead(status, { 'content-type': 'application/json', ...answerHeaders }).end(payload);
		})().catch((error: unknown) => {
			res.writeHead(500, { 'content-type': 'text/plain' }).end(String((error as Error).stack ?? error));
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: (path) => `http://127.0.0.1:${port}/webhook/${path}`,
		runs,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
