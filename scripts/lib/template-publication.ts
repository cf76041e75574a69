/**
 * What `npm start` does with each template on each start: import it when its file changed, select
 * a credential on nodes that wait for one when n8n holds exactly one of that type, and publish only
 * what can work — a workflow whose credentials are missing stays a draft until they exist. Pure:
 * it reads what n8n holds and returns the plan; start.ts carries it out through n8n's CLI.
 */
import { readFileSync } from 'node:fs';

import { linkOnlyCredentials, missingCredentials, type CredentialCatalog, type MissingCredential, type StoredCredential, type WorkflowWithNodes } from './n8n-credentials';
import { digestOfFile, type WorkflowFile } from './n8n-instance';
import type { ExportedWorkflow } from './n8n-workflows';

/** Kept between starts in the n8n user folder (see START_STATE_FILE). */
export interface StartState {
	templates: Record<string, { digest: string; waitingForCredentials: boolean }>;
}

export const START_STATE_FILE = '.waitlist-ledger-start.json';

export type TemplateStatus =
	/** Published by npm start, or published by the user and left so. */
	| 'published'
	/** A draft because a credential is missing; npm start publishes it once they all exist. */
	| 'waiting'
	/** A draft on purpose (the launch-day capture while the signup template holds its URL). */
	| 'draft'
	/** The user unpublished it; npm start leaves it. */
	| 'unpublished';

export interface TemplateOutcome {
	file: WorkflowFile;
	status: TemplateStatus;
	missing: MissingCredential[];
	/** Credentials npm start selected on nodes this time. */
	linked: Array<{ node: string; credential: StoredCredential }>;
	/** Why it is a draft, for the banner. */
	reason?: string;
}

export interface PublicationPlan {
	/** Workflows to write into n8n (changed templates, or credentials selected), unpublished first if published. */
	imports: Array<{ id: string; json: Record<string, unknown> }>;
	/** Published now and about to be re-imported or unpublished: unpublish these first. */
	unpublish: string[];
	/** After the imports. */
	publish: string[];
	outcomes: TemplateOutcome[];
	next: StartState;
}

interface Inputs {
	templates: readonly WorkflowFile[];
	/** What n8n holds now (n8n export:workflow). */
	inN8n: readonly ExportedWorkflow[];
	credentials: readonly StoredCredential[];
	catalog: CredentialCatalog;
	previous: StartState;
}

export function planPublication({ templates, inN8n, credentials, catalog, previous }: Inputs): PublicationPlan {
	const stored = new Map(inN8n.map((wf) => [wf.id, wf]));
	const imports: PublicationPlan['imports'] = [];
	const want = new Map<string, boolean>();
	const outcomes = new Map<string, TemplateOutcome>();
	const next: StartState = { templates: {} };
	const managed = new Set<string>();

	for (const file of templates) {
		const digest = digestOfFile(file.path);
		const existing = stored.get(file.id);
		const changed = !existing || previous.templates[file.id]?.digest !== digest;
		const wasWaiting = previous.templates[file.id]?.waitingForCredentials === true;
		// npm start decides publication for a template it just imported or left waiting; anything
		// else is as the user left it in the editor.
		const decides = changed || wasWaiting;
		if (decides) managed.add(file.id);
		const current = (changed ? JSON.parse(readFileSync(file.path, 'utf8')) : existing) as WorkflowWithNodes & Record<string, unknown>;
		let missing = missingCredentials(current, catalog, credentials);
		let linked: TemplateOutcome['linked'] = [];
		let json = current;
		if (decides && missing.some((m) => m.available.length === 1)) {
			({ workflow: json, linked } = linkOnlyCredentials(current, missing));
			missing = missingCredentials(json, catalog, credentials);
		}
		if (changed || linked.length) imports.push({ id: file.id, json });
		const publishedNow = !changed && !linked.length && existing?.activeVersionId != null;

		let status: TemplateStatus;
		if (!decides) status = publishedNow ? 'published' : file.draft ? 'draft' : 'unpublished';
		else if (missing.length) status = 'waiting';
		else if (file.draft && !file.standsInFor) status = 'draft';
		else status = 'published';
		want.set(file.id, status === 'published');
		outcomes.set(file.id, { file, status, missing, linked, ...(status === 'draft' ? { reason: file.draft } : {}) });
		next.templates[file.id] = { digest, waitingForCredentials: status === 'waiting' };
	}

	// A stand-in holds its principal's URL while the principal cannot be published, and gives it back
	// once it can (n8n lets one published workflow hold a URL).
	for (const file of templates) {
		if (!file.standsInFor) continue;
		const outcome = outcomes.get(file.id)!;
		const principal = outcomes.get(file.standsInFor);
		if (!managed.has(file.id) && !(principal && managed.has(principal.file.id))) continue;
		const principalLive = principal ? want.get(principal.file.id) === true : false;
		if (outcome.missing.length) continue; // stays 'waiting'
		const publish = !principalLive;
		want.set(file.id, publish);
		outcome.status = publish ? 'published' : 'draft';
		outcome.reason = publish ? undefined : file.draft;
		next.templates[file.id] = { digest: next.templates[file.id]!.digest, waitingForCredentials: false };
	}

	const importing = new Set(imports.map((i) => i.id));
	const unpublish: string[] = [];
	const publish: string[] = [];
	for (const file of templates) {
		const existing = stored.get(file.id);
		const publishedNow = existing?.activeVersionId != null;
		const wanted = want.get(file.id) === true;
		if (publishedNow && (importing.has(file.id) || !wanted)) unpublish.push(file.id);
		if (wanted && (importing.has(file.id) || !publishedNow)) publish.push(file.id);
	}
	return { imports, unpublish, publish, outcomes: templates.map((t) => outcomes.get(t.id)!), next };
}
