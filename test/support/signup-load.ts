/**
 * Closed-loop signup load for the e2e load test and the bench: `total` POSTs at a fixed concurrency,
 * with a share of repeated emails. Returns every answer's status and latency; nothing is dropped.
 */
export interface LoadPlan {
	emails: string[];
	unique: number;
}

/** `total` signups of which `duplicateShare` repeat an earlier email (same body), shuffled deterministically. */
export function signupPlan(total: number, duplicateShare: number, prefix: string): LoadPlan {
	const unique = Math.round(total * (1 - duplicateShare));
	const emails = Array.from({ length: unique }, (_, i) => `${prefix}-${i}@example.com`);
	let seed = 7;
	const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
	for (let i = unique; i < total; i++) emails.push(emails[Math.floor(random() * unique)]!);
	for (let i = emails.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[emails[i], emails[j]] = [emails[j]!, emails[i]!];
	}
	return { emails, unique };
}

export interface LoadResult {
	statuses: number[];
	latenciesMs: number[];
	bodies: Array<{ contactId?: string; created?: boolean }>;
	elapsedMs: number;
}

export async function runSignupLoad(url: string, emails: string[], concurrency: number, extra: Record<string, string> = {}, contentType = 'application/json'): Promise<LoadResult> {
	return runClosedLoop(emails.length, concurrency, (i) =>
		fetch(url, {
			method: 'POST',
			// 'text/plain;charset=UTF-8' is what a browser's fetch sends for a string body (no CORS preflight).
			headers: { 'content-type': contentType },
			body: JSON.stringify({ email: emails[i], utm_source: 'load', utm_medium: 'email', utm_campaign: 'launch-day', ...extra }),
		}),
	);
}

/** `total` GETs of `url`, closed loop at a fixed concurrency (the bench's floor side). */
export function runGetLoad(url: string, total: number, concurrency: number): Promise<LoadResult> {
	return runClosedLoop(total, concurrency, () => fetch(url));
}

/** Sends request i for i in [0, total) with `concurrency` in flight; records every answer's status, latency and JSON body. */
async function runClosedLoop(total: number, concurrency: number, send: (i: number) => Promise<Response>): Promise<LoadResult> {
	const statuses: number[] = new Array(total);
	const latenciesMs: number[] = new Array(total);
	const bodies: LoadResult['bodies'] = new Array(total);
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		for (;;) {
			const i = next++;
			if (i >= total) return;
			const t0 = performance.now();
			const res = await send(i);
			const text = await res.text();
			latenciesMs[i] = performance.now() - t0;
			statuses[i] = res.status;
			try {
				bodies[i] = JSON.parse(text) as LoadResult['bodies'][number];
			} catch {
				bodies[i] = {};
			}
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return { statuses, latenciesMs, bodies, elapsedMs: performance.now() - started };
}

export function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
