/**
 * Where alert messages land in tests: one local HTTP server standing in for a Slack incoming
 * webhook (POST /slack; POST /slack-archived answers 410 channel_is_archived, as Slack does once the
 * webhook's channel was archived) and a Discord channel webhook (POST /discord), and a minimal SMTP server
 * that accepts every message (no TLS, no auth), as n8n's Send Email node speaks to it. Every
 * message is kept in arrival order.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';

export interface ChannelMessage {
	channel: 'slack' | 'discord' | 'email';
	/** Slack: text; Discord: content; email: the raw message (headers and body). */
	text: string;
	/** Email: the Subject header (decoded when plain); otherwise ''. */
	subject: string;
	at: number;
}

export interface FakeChannels {
	/** http://127.0.0.1:<port> */
	httpOrigin: string;
	slackUrl: string;
	discordUrl: string;
	smtpPort: number;
	messages(channel?: ChannelMessage['channel']): ChannelMessage[];
	close(): Promise<void>;
}

/** RFC 2047 "=?UTF-8?B?…?=" / "=?UTF-8?Q?…?=" words, as nodemailer writes non-ASCII subjects. */
function decodeWords(value: string): string {
	return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, kind: string, text: string) =>
		kind.toLowerCase() === 'b'
			? Buffer.from(text, 'base64').toString('utf8')
			: Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_h, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8'),
	);
}

function subjectOf(raw: string): string {
	const headers = raw.split(/\r?\n\r?\n/)[0] ?? '';
	const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
	const line = /^Subject: (.*)$/im.exec(unfolded);
	return line ? decodeWords(line[1]!) : '';
}

function smtpSession(socket: Socket, onMessage: (raw: string) => void): void {
	let buffer = '';
	let inData = false;
	let data: string[] = [];
	socket.setEncoding('utf8');
	socket.write('220 fake-smtp ESMTP\r\n');
	socket.on('data', (chunk: string) => {
		buffer += chunk;
		let end: number;
		while ((end = buffer.indexOf('\r\n')) >= 0) {
			const line = buffer.slice(0, end);
			buffer = buffer.slice(end + 2);
			if (inData) {
				if (line === '.') {
					inData = false;
					onMessage(data.join('\r\n'));
					data = [];
					socket.write('250 OK: queued\r\n');
				} else data.push(line.startsWith('..') ? line.slice(1) : line);
				continue;
			}
			const verb = line.slice(0, 4).toUpperCase();
			if (verb === 'EHLO') socket.write('250-fake-smtp\r\n250 8BITMIME\r\n');
			else if (verb === 'HELO') socket.write('250 fake-smtp\r\n');
			else if (verb === 'DATA') {
				inData = true;
				socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
			} else if (verb === 'QUIT') {
				socket.end('221 Bye\r\n');
			} else socket.write('250 OK\r\n');
		}
	});
	socket.on('error', () => undefined);
}

export async function startFakeChannels(): Promise<FakeChannels> {
	const received: ChannelMessage[] = [];
	const http: Server = createHttpServer((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (c: string) => (body += c));
		req.on('end', () => {
			const path = (req.url ?? '').split('?')[0];
			let parsed: { text?: unknown; content?: unknown } = {};
			try {
				parsed = JSON.parse(body) as typeof parsed;
			} catch {
				// Slack answers 400 "invalid_payload"; so does this fake.
			}
			if (req.method === 'POST' && path === '/slack' && typeof parsed.text === 'string') {
				received.push({ channel: 'slack', text: parsed.text, subject: '', at: Date.now() });
				res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
			} else if (req.method === 'POST' && path === '/slack-archived') {
				res.writeHead(410, { 'content-type': 'text/plain' }).end('channel_is_archived');
			} else if (req.method === 'POST' && path === '/discord' && typeof parsed.content === 'string') {
				received.push({ channel: 'discord', text: parsed.content, subject: '', at: Date.now() });
				res.writeHead(204).end();
			} else res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
		});
	});
	const sockets = new Set<Socket>();
	const smtp: TcpServer = createTcpServer((socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
		smtpSession(socket, (raw) => received.push({ channel: 'email', text: raw, subject: subjectOf(raw), at: Date.now() }));
	});
	const listen = (server: Server | TcpServer) =>
		new Promise<number>((resolve) =>
			server.listen(0, '127.0.0.1', () => {
				const address = server.address();
				resolve(typeof address === 'object' && address ? address.port : 0);
			}),
		);
	const httpPort = await listen(http);
	const smtpPort = await listen(smtp);
	const httpOrigin = `http://127.0.0.1:${httpPort}`;
	return {
		httpOrigin,
		slackUrl: `${httpOrigin}/slack`,
		discordUrl: `${httpOrigin}/discord`,
		smtpPort,
		messages: (channel) => received.filter((m) => channel === undefined || m.channel === channel),
		close: async () => {
			http.closeAllConnections();
			await new Promise<void>((r) => http.close(() => r()));
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((r) => smtp.close(() => r()));
		},
	};
}
