/** Pieces the benchmarks share: `--name=value` arguments, a peak-RSS sampler, load and CPU readings, the n8n benches' workflows. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TemplateJson } from '../test/support/signup-template';

export function arg(name: string, fallback: string): string {
	const found = process.argv.find((a) => a.startsWith(`--${name}=`));
	return found ? found.slice(name.length + 3) : fallback;
}

/** Samples the process RSS every 25 ms between start() and stop(); stop() returns the peak. */
export class RssSampler {
	peak = 0;
	private timer: NodeJS.Timeout | undefined;
	start(): void {
		this.peak = process.memoryUsage().rss;
		this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 25);
	}
	stop(): number {
		clearInterval(this.timer);
		this.peak = Math.max(this.peak, process.memoryUsage().rss);
		return this.peak;
	}
}

/** The machine's load averages (1, 5, 15 min), printed beside every figure taken on a shared machine. */
export function loadAverage(): string {
	return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** CPU time of a process so far (user + system, ms), from /proc: unlike rates, it holds on a loaded machine. */
export function cpuMsOf(pid: number): number {
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	// utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
	return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The baseline: a bare Webhook → Respond to Webhook workflow, what n8n itself costs per request. */
export const BARE_WORKFLOW = {
	id: 'wlBenchBareHook1',
	name: 'Bench: bare webhook',
	nodes: [
		{ parameters: { httpMethod: 'POST', path: 'bench-bare', responseMode: 'responseNode', options: {} }, id: 'b0000000-0000-4000-8000-000000000001', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], webhookId: 'b0000000-0000-4000-8000-0000000000aa' },
		{ parameters: { respondWith: 'json', responseBody: '={{ { "ok": true, "email": $json.body.email } }}', options: { responseCode: 201 } }, id: 'b0000000-0000-4000-8000-000000000002', name: 'Respond to Webhook', type: 'n8n-nodes-base.respondToWebhook', typeVersion: 1.1, position: [220, 0] },
	],
	connections: { Webhook: { main: [[{ node: 'Respond to Webhook', type: 'main', index: 0 }]] } },
	settings: { executionOrder: 'v1' },
};

/** The launch-day capture template as shipped, at its own path and launch, its trigger at `version`. */
export function launchDayWorkflow(version: number, id: string, path: string, webhookId: string): TemplateJson {
	const wf = JSON.parse(readFileSync(join(__dirname, '..', 'workflows', 'launch-day-capture.json'), 'utf8')) as TemplateJson;
	wf.id = id;
	wf.name = `Bench: launch-day capture at ${version}`;
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-waitlist-ledger.waitlistCaptureTrigger') continue;
		Object.assign(node, { typeVersion: version, webhookId, parameters: { ...node.parameters, path, launch: path } });
	}
	return wf;
}
