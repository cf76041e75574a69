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
			body: signupBody(emails[i]!, extra),
		}),
	);
}

/** The JSON a landing page posts for one signup. */
export function signupBody(email: string, extra: Record<string, string> = {}): string {
	return JSON.stringify({ email, utm_source: 'load', utm_medium: 'email', utm_campaign: 'launch-day', ...extra });
}

export interface VisitorLoadResult extends LoadResult {
	/** How many times each request was sent (1: answered at the first try). */
	tries: number[];
}

/** A visitor's patience: tries in all, and the wait when a 503 names none. */
const VISITOR_TRIES = 4;
const VISITOR_WAIT_S = 10;

/**
 * Like the closed loop below, but each request is sent the way a visitor (or a payment provider)
 * behaves: a `503` — the capture trigger's "Please try again in a moment" with `Retry-After: 10`,
 * or n8n's own "not ready" — or a connection that failed is sent again after the Retry-After (10 s
 * when none is given), up to 4 tries. The hosted form and the snippet do not retry by themselves;
 * the person presses the button again. The last answer is what counts.
 */
export async function runVisitorLoad(url: string, total: number, concurrency: number, request: (i: number) => { body: string; headers: Record<string, string> }): Promise<VisitorLoadResult> {
	const tries: number[] = new Array(total).fill(0);
	const result = await runClosedLoop(total, concurrency, async (i) => {
		for (;;) {
			tries[i]!++;
			const { body, headers } = request(i);
			let res: Response | undefined;
			try {
				res = await fetch(url, { method: 'POST', headers, body });
			} catch (error) {
				if (tries[i]! >= VISITOR_TRIES) throw error;
			}
			if (res && (res.status !== 503 || tries[i]! >= VISITOR_TRIES)) return res;
			const wait = Number(res?.headers.get('retry-after') ?? VISITOR_WAIT_S);
			await res?.arrayBuffer();
			await new Promise((r) => setTimeout(r, (Number.isFinite(wait) && wait > 0 ? Math.min(wait, 30) : VISITOR_WAIT_S) * 1000));
		}
	});
	return { ...result, tries };
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
			let res: Response;
			let text: string;
			try {
				res = await send(i);
				text = await res.text();
			} catch {
				// No answer at all (connection refused or reset): recorded as status 0, never dropped.
				latenciesMs[i] = performance.now() - t0;
				statuses[i] = 0;
				bodies[i] = {};
				continue;
			}
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
