/**
 * A TCP proxy in front of the machine's PostgreSQL that a test controls, to play a database restart
 * or an outage without touching the real server (other tests use it):
 *   restart(n)     what a PostgreSQL restart does: every session is told FATAL 57P01 "terminating
 *                  connection due to administrator command" and closed; the next `n` connections
 *                  are told FATAL 57P03 "the database system is starting up" and closed; then
 *                  connections are accepted again (counted, not timed: no test waits on a clock)
 *   drop()         every open connection is cut without a word (a network failure)
 *   refuse()       new connections are refused until accept() (the server is down)
 *   dropOnCommit() the next COMMIT reaches the server, then its connection is cut before the answer
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

import { PG_BASE } from './stores';

export interface PgProxy {
	port: number;
	/** Connection settings for the proxy (the real server's database, user and password). */
	config: { host: string; port: number; database: string; user: string; password?: string };
	restart(turnAway: number): Promise<void>;
	/** Connections turned away as "starting up" so far. */
	turnedAway(): number;
	drop(): void;
	refuse(): Promise<void>;
	accept(): Promise<void>;
	dropOnCommit(): void;
	/** Connections accepted so far. */
	connections(): number;
	close(): Promise<void>;
}

/** A protocol ErrorResponse with severity FATAL. */
function fatal(code: string, message: string): Buffer {
	const fields = Buffer.concat([['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`)));
	const body = Buffer.concat([fields, Buffer.from([0])]);
	const length = Buffer.alloc(4);
	length.writeInt32BE(body.length + 4);
	return Buffer.concat([Buffer.from('E'), length, body]);
}
/** What PostgreSQL tells every session when it shuts down, and every new connection while it starts. */
const ADMIN_SHUTDOWN = fatal('57P01', 'terminating connection due to administrator command');
const STARTING_UP = fatal('57P03', 'the database system is starting up');

export async function startPgProxy(target = { host: PG_BASE.host, port: PG_BASE.port }): Promise<PgProxy> {
	const open = new Set<Socket>();
	const clients = new Set<Socket>();
	let accepted = 0;
	let cutAtCommit = false;
	let startingUp = 0;
	let turned = 0;
	let server: Server | null = null;
	let port = 0;

	const handle = (client: Socket) => {
		if (startingUp > 0) {
			startingUp--;
			turned++;
			// The startup packet is answered with the error, as the postmaster does while starting.
			client.once('data', () => client.end(STARTING_UP));
			client.on('error', () => undefined);
			return;
		}
		accepted++;
		const upstream = connect(target.port, target.host);
		open.add(client).add(upstream);
		clients.add(client);
		client.on('close', () => clients.delete(client));
		const cut = () => {
			client.destroy();
			upstream.destroy();
		};
		client.on('data', (chunk: Buffer) => {
			upstream.write(chunk);
			// A simple-query or parse message holding COMMIT: sent on, then the answer never arrives.
			if (cutAtCommit && chunk.includes('COMMIT')) {
				cutAtCommit = false;
				setImmediate(cut);
			}
		});
		upstream.on('data', (chunk: Buffer) => client.write(chunk));
		for (const s of [client, upstream]) {
			s.on('error', cut);
			s.on('close', () => {
				open.delete(s);
				cut();
			});
		}
	};

	const listen = () =>
		new Promise<void>((resolve, reject) => {
			server = createServer(handle);
			server.once('error', reject);
			server.listen(port, '127.0.0.1', () => {
				const address = server!.address();
				port = typeof address === 'object' && address ? address.port : port;
				resolve();
			});
		});
	const stopListening = () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));

	await listen();
	const drop = () => {
		for (const s of [...open]) s.destroy();
	};
	const refuse = async () => {
		const closed = stopListening();
		server = null;
		drop();
		await closed;
	};
	const accept = async () => {
		if (!server) await listen();
	};
	return {
		async restart(turnAway: number) {
			// What the server sends each backend's client on a fast shutdown, then closes.
			for (const client of clients) client.write(ADMIN_SHUTDOWN);
			startingUp = turnAway;
			// The driver closes a session the server ended; what is still open after that is cut.
			for (let i = 0; i < 200 && clients.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
			drop();
		},
		turnedAway: () => turned,
		get port() {
			return port;
		},
		config: { host: '127.0.0.1', port, database: PG_BASE.database, user: PG_BASE.user, password: PG_BASE.password },
		drop,
		refuse,
		accept,
		dropOnCommit() {
			cutAtCommit = true;
		},
		connections: () => accepted,
		async close() {
			const closed = stopListening();
			server = null;
			drop();
			await closed;
		},
	};
}
