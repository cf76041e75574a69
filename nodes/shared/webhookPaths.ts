import * as workflow from 'n8n-workflow';
import type { IWebhookDescription, INodeParameters, INodeProperties } from 'n8n-workflow';

/**
 * Webhook description paths read from the node's "Path" parameter.
 *
 * Written as a plain `={{$parameter["path"]}}` template, n8n evaluates the path with its expression
 * engine on every request — under the default `vm` engine that is an isolate call per request, a
 * quarter of n8n's CPU per request in a profile (docs/benchmarks.md). n8n 2.41+ lets a node declare
 * a native resolver beside the template (`webhookDescriptionFields`, as n8n's own Webhook node does):
 * the editor still evaluates the template, the server reads the parameter directly whenever the
 * node's parameters hold no expression. On an n8n without that API the plain template is used, which
 * behaves as before.
 */
type Helpers = Pick<typeof workflow, 'webhookDescriptionFields' | 'fromParameter' | 'fromFunction'>;
const helpers = workflow as Partial<Helpers>;
const nativeResolvers = typeof helpers.webhookDescriptionFields === 'function' && typeof helpers.fromParameter === 'function' && typeof helpers.fromFunction === 'function';

/** The node's "Path" parameter as the webhook path. */
export function pathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromParameter!('path') });
}

/** "<Path>/snippet.js". The function is inlined into the editor's template: it must stay self-contained. */
export function snippetPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/snippet.js' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/snippet.js`) });
}

/** "<Path>/status" (a person's status page, opened from a signed link). Self-contained, like the one above. */
export function statusPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/status' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/status`) });
}

/** "<Path>/confirm" (double opt-in: the link in the confirmation email). Self-contained, like the ones above. */
export function confirmPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/confirm' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/confirm`) });
}

/**
 * Hidden: n8n parses a version-1 webhook node's body itself unless `options.binaryData` is set. Both
 * triggers read the raw bytes instead — signatures are over the exact bytes sent, and a malformed or
 * oversized signup must be answered clearly and kept.
 */
export const rawBodyProperty: INodeProperties = {
	displayName: 'Raw Body',
	name: 'options',
	type: 'hidden',
	default: { binaryData: true },
};

/** The "Path" parameter the webhook paths above read. */
export function webhookPathProperty(defaultPath: string, description: string): INodeProperties {
	return { displayName: 'Path', name: 'path', type: 'string', default: defaultPath, required: true, description };
}

/*
 * The Launch Monitor Dashboard Trigger's pages beside the dashboard itself. One function per page:
 * each is inlined into the editor's template, so none may share a helper or a constant.
 */

/** "<Path>/signals.json". */
export function signalsJsonPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/signals.json' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/signals.json`) });
}

/** "<Path>/metrics" (Prometheus text). */
export function metricsPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/metrics' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/metrics`) });
}

/** "<Path>/contacts.csv". */
export function contactsCsvPathFromParameter(): Pick<IWebhookDescription, 'path'> {
	if (!nativeResolvers) return { path: '={{$parameter["path"]}}/contacts.csv' };
	return helpers.webhookDescriptionFields!({ path: helpers.fromFunction!((parameters: INodeParameters) => `${String(parameters.path)}/contacts.csv`) });
}
