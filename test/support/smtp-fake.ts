import { createServer, type Server } from 'node:net';

/**
 * A local stand-in for the creator's mail server (a third-party service, like the vendor fakes): it
 * speaks just enough SMTP for nodemailer (n8n's Send Email node) to hand over a message, and keeps
 * each message's recipients and raw text.
 */
export interface FakeSmtp {
	port: number;
	messages: Array<{ to: string[]; data: string }>;
	close(): Promise<void>;
}

export async function startFakeSmtp(): Promise<FakeSmtp> {
	const messages: FakeSmtp['messages'] = [];
	const server: Server = createServer((socket) => {
		let buffer = '';
		let inData = false;
		let to: string[] = [];
		const say = (line: string) => socket.write(`${line}\r\n`);
		say('220 fake-smtp ready');
		socket.on('data', (chunk: Buffer) => {
			buffer += chunk.toString('utf8');
			for (;;) {
				if (inData) {
					const end = buffer.indexOf('\r\n.\r\n');
					if (end < 0) return;
					messages.push({ to, data: buffer.slice(0, end) });
					buffer = buffer.slice(end + 5);
					inData = false;
					to = [];
					say('250 queued');
					continue;
				}
				const eol = buffer.indexOf('\r\n');
				if (eol < 0) return;
				const line = buffer.slice(0, eol);
				buffer = buffer.slice(eol + 2);
				const verb = line.slice(0, 4).toUpperCase();
				if (verb === 'EHLO' || verb === 'HELO') say('250 fake-smtp');
				else if (verb === 'MAIL') say('250 ok');
				else if (verb === 'RCPT') {
					to.push(line.replace(/^RCPT TO:\s*<?([^>]*)>?.*$/i, '$1'));
					say('250 ok');
				} else if (verb === 'DATA') {
					inData = true;
					say('354 go ahead');
				} else if (verb === 'QUIT') {
					say('221 bye');
					socket.end();
				} else say('250 ok');
			}
		});
		socket.on('error', () => socket.destroy());
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('fake SMTP did not get a port');
	return { port: address.port, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
