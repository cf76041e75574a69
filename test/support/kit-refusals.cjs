/**
 * A Kit that refuses: preloaded into a real n8n BEFORE test/support/vendor-fakes.cjs
 * (NODE_OPTIONS="--require kit-refusals.cjs --require vendor-fakes.cjs"), it answers Kit's subscribe
 * calls (v3 form subscribe, v4 subscriber upsert) with the status written in WL_KIT_REFUSAL_FILE
 * while that file exists — 401 with Kit's "API Key not valid", or 500 — and lets every call through
 * to the ordinary fakes while it does not. nock tries interceptors in the order they were added, so
 * these come first. Plain CommonJS: it loads before n8n, without tsx.
 */
'use strict';

const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const nockModule = require(join(__dirname, '..', '..', 'node_modules', 'nock'));
const nock = nockModule.default || nockModule;

const FILE = process.env.WL_KIT_REFUSAL_FILE;
if (!FILE) throw new Error('kit-refusals: WL_KIT_REFUSAL_FILE is not set');

/** What Kit answers, by status (the bodies Kit's API documents for these cases). */
const ANSWERS = {
	401: { error: 'Authorization Failed', message: 'API Key not valid' },
	500: { error: 'Internal Server Error', message: 'Kit could not process the request right now' },
};

function refusal() {
	if (!existsSync(FILE)) return null;
	const status = Number(readFileSync(FILE, 'utf8').trim());
	return ANSWERS[status] ? status : null;
}

function refuse(origin, pathPattern) {
	nock(origin)
		.persist()
		.post((path) => pathPattern.test(path) && refusal() !== null)
		.reply(async (incoming) => {
			const status = refusal() ?? 500;
			if (process.env.WL_FAKES_LOG) {
				const url = new URL(incoming.url);
				appendFileSync(process.env.WL_FAKES_LOG, `${JSON.stringify({ at: Date.now(), fake: 'kit', method: 'POST', path: url.pathname + url.search, body: null, headers: {}, outcome: 'failed', status })}\n`);
			}
			return [status, ANSWERS[status]];
		});
}

refuse('https://api.convertkit.com', /^\/v3\/forms\/\d+\/subscribe/);
refuse('https://api.kit.com', /^\/v4\/subscribers/);
