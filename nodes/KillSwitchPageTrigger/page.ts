import type { KillSwitchView } from '../../ledger';
import { escapeHtml, renderPage, type RenderedPage } from '../shared/page';
import { ACTIONS } from './actions';

/**
 * The kill-switch page: what is happening now in plain words, then one form (choose, say why,
 * press). Native radio buttons, check boxes and labels only, so it works by keyboard and screen
 * reader without script (the page kit's CSP allows none).
 */

const CSS = `
.state{padding:.75rem 1rem;border-radius:8px;margin:1rem 0;border:2px solid #2f7d4f;background:#eef8f1}
.state.paused{border-color:#b3261e;background:#fdecea}
.note{padding:.75rem 1rem;border-radius:8px;margin:1rem 0;background:#eef3f8;border-left:4px solid #1f5a8a}
.note.error{background:#fdecea;border-left-color:#b3261e}
fieldset{border:1px solid #c9d1cb;border-radius:8px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:block;margin:.5rem 0}
.choice small,.hint{display:block;color:#4a5650;margin-left:1.6rem}
.hint{margin-left:0}
label.field{display:block;font-weight:600;margin-top:1rem}
textarea,input[type=text]{width:100%;font:inherit;padding:.5rem;border:1px solid #8a948e;border-radius:6px}
input:focus,textarea:focus{outline:3px solid #f2b134;outline-offset:2px}
button{font:inherit;font-weight:600;margin-top:1rem;padding:.6rem 1.2rem;border:0;border-radius:8px;background:#1d2521;color:#fff;cursor:pointer}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e1e5e2}
.small{font-size:.9rem;color:#4a5650}
`;

const when = (ms: number | null) => (ms === null ? 'an unknown time' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

function stateHtml(v: KillSwitchView): string {
	const p = v.pause;
	if (!p.paused) {
		return `<div class="state" role="status"><strong>Running normally.</strong> Course access and vendor calls go out as they happen.${
			v.heldCount ? ` ${v.heldCount} entr${v.heldCount === 1 ? 'y is' : 'ies are'} still held from an earlier pause (see below).` : ''
		}</div>`;
	}
	const what = p.scope === 'all' ? 'Every vendor call is paused' : 'Access grants are paused';
	return `<div class="state paused" role="status"><strong>${what}</strong> since ${escapeHtml(when(p.pausedAt))} by ${escapeHtml(p.pausedBy ?? 'someone')}: “${escapeHtml(p.reason ?? '')}”.<br>${v.heldCount} entr${
		v.heldCount === 1 ? 'y is' : 'ies are'
	} held and will be sent when you resume.</div>`;
}

function heldHtml(v: KillSwitchView): string {
	if (v.held.length === 0) return '<p class="hint">Nothing is held right now.</p>';
	const rows = v.held
		.map(
			(e, i) =>
				`<tr><td><input type="checkbox" name="entry" value="${escapeHtml(e.id)}" id="entry-${i}"></td><td><label for="entry-${i}">${escapeHtml(e.kind)}</label></td><td>${escapeHtml(e.contactId ?? '—')}</td><td>${escapeHtml(when(e.createdAt))}</td></tr>`,
		)
		.join('\n');
	const more = v.heldCount > v.held.length ? `<p class="hint">Showing the oldest ${v.held.length} of ${v.heldCount}.</p>` : '';
	return `<table><thead><tr><th scope="col">Pick</th><th scope="col">What</th><th scope="col">Contact</th><th scope="col">Held since</th></tr></thead><tbody>
${rows}
</tbody></table>${more}`;
}

export interface KillSwitchPageInput {
	view: KillSwitchView;
	signedInAs: string;
	/** What the last action did, or what to fix (with the values to fill in again). */
	result?: { ok: boolean; message: string };
	refill?: { action?: string; reason?: string; name?: string };
}

export function renderKillSwitchPage(input: KillSwitchPageInput): RenderedPage {
	const { view, refill = {} } = input;
	const choices = Object.entries(ACTIONS)
		.map(
			([value, a]) =>
				`<label class="choice"><input type="radio" name="action" value="${value}" required${refill.action === value ? ' checked' : ''}> ${escapeHtml(a.label)}<small>${escapeHtml(a.help)}</small></label>`,
		)
		.join('\n');
	const result = input.result
		? `<div class="note${input.result.ok ? '' : ' error'}" role="${input.result.ok ? 'status' : 'alert'}">${escapeHtml(input.result.message)}</div>`
		: '';
	const guesses = view.signIn.failuresLastHour
		? `<p class="small">Wrong passwords on this launch's pages in the last hour: <strong>${view.signIn.failuresLastHour}</strong>${
				view.signIn.blockedNow ? ` (${view.signIn.blockedNow} address${view.signIn.blockedNow === 1 ? ' is' : 'es are'} made to wait)` : ''
			}. If that was not your team, change the password.</p>`
		: '';
	const body = `<h1>Launch kill switch</h1>
<p class="small">Launch <strong>${escapeHtml(view.launch)}</strong> · signed in as <strong>${escapeHtml(input.signedInAs || 'header credential')}</strong></p>
${result}
${stateHtml(view)}
${guesses}
<form method="post" action="">
<fieldset><legend>What do you want to do?</legend>
${choices}
</fieldset>
<fieldset><legend>Held entries (for “send” or “discard”)</legend>
${heldHtml(view)}
</fieldset>
<label class="field" for="reason">Why? <span class="small">(recorded with your name)</span></label>
<textarea id="reason" name="reason" rows="3" required maxlength="2000">${escapeHtml(refill.reason ?? '')}</textarea>
<label class="field" for="name">Your name <span class="small">(optional, if several people share this password)</span></label>
<input type="text" id="name" name="name" maxlength="100" autocomplete="name" value="${escapeHtml(refill.name ?? '')}">
<button type="submit">Do it</button>
</form>`;
	return renderPage({ title: `Kill switch · ${view.launch}`, body, css: CSS });
}
