/**
 * A vendor that accepts the connection, reads the request and never answers — the fault a timeout
 * exists for. Each request is recorded with when it arrived and when the caller gave up (closed the
 * connection), so a test can show that no second call for the same entry started while the first
 * one was still in flight.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface HungRequest {
	method: string;
	path: string;
	body: string;
	arrivedAt: number;
	/** When the caller closed the connection (gave up); undefined while it is still waiting. */
	closedAt?: number;
}

export interface HangingVendor {
	/** http://127.0.0.1:<port> */
	url: string;
	requests: HungRequest[];
	/** Answer from now on with this status and JSON body instead of hanging (undefined: hang again). */
	answerWith(answer: { status: number; body: unknown } | undefined): void;
	close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
		req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
	});
}

export async function startHangingVendor(): Promise<HangingVendor> {
	const requests: HungRequest[] = [];
	const sockets = new Set<Socket>();
	let answer: { status: number; body: unknown } | undefined;
	const server: Server = createServer((req, res) => {
		const record: HungRequest = { method: req.method ?? '', path: req.url ?? '', body: '', arrivedAt: Date.now() };
		requests.push(record);
		req.socket.once('close', () => (record.closedAt ??= Date.now()));
		void readBody(req).then((body) => {
			record.body = body;
			if (answer) {
				res.writeHead(answer.status, { 'content-type': 'application/json' });
				res.end(JSON.stringify(answer.body));
				record.closedAt = Date.now();
			}
			// Otherwise: never answer. The caller's timeout is the only way out.
		});
	});
	server.keepAliveTimeout = 0;
	server.on('connection', (s: Socket) => {
		sockets.add(s);
		s.once('close', () => sockets.delete(s));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('hanging vendor: no port');
	return {
		url: `http://127.0.0.1:${address.port}`,
		requests,
		answerWith: (a) => (answer = a),
		close: () =>
			new Promise<void>((resolve) => {
				for (const s of sockets) s.destroy();
				server.close(() => resolve());
			}),
	};
}
