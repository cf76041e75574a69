import { ABUSE_SIGNAL_LABELS, type AbuseSignal } from '../../ledger';
import { escapeHtml } from '../shared/page';
import { deskLink, fieldId, hidden, reasonField, when } from './format';
import type { DeskView } from './view';

/**
 * The lists beside the review items: held entries (release / discard), dead letters (retry),
 * refused signups and refused payment deliveries (read-only), newest first, a page at a time.
 */

const KIND_WORDS: Record<string, string> = { grant: 'course access (grant)', revoke: 'remove access (revoke)', esp_sync: 'email platform sync', crm_sync: 'CRM sync' };
const kind = (k: string): string => escapeHtml(KIND_WORDS[k] ?? k);
const contact = (id: string | null): string => (id ? `contact <code>${escapeHtml(id)}</code>` : 'no contact');
const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

function older(param: keyof DeskView['query'], next: string | null): string {
	return next ? `<p><a href="${deskLink({ [param]: next })}">Older entries →</a></p>` : '';
}

function entryForm(entryId: string, options: Array<[string, string]>, button: string): string {
	const choices =
		options.length > 1
			? `<fieldset><legend>What to do</legend>${options
					.map(([value, label]) => {
						const id = fieldId('do');
						return `<div class="choice"><input type="radio" id="${id}" name="action" value="${value}" required> <label for="${id}">${escapeHtml(label)}</label></div>`;
					})
					.join('\n')}</fieldset>`
			: hidden('action', options[0]![0]);
	return `<form method="post" action="">${hidden('entryId', entryId)}
${choices}
${reasonField('e.g. the buyer paid the right price')}
<button type="submit" class="secondary">${escapeHtml(button)}</button>
</form>`;
}

export function heldHtml(view: DeskView): string {
	const intro = `<p class="hint">Entries the kill switch holds (a grant decided while grants were paused). Send one now, even while paused, or discard it so it is never sent.</p>`;
	if (view.held.length === 0) return `${intro}<p class="muted">Nothing is held.</p>`;
	const rows = view.held
		.map(
			(e) => `<li><p><strong>${kind(e.kind)}</strong> for ${contact(e.contactId)} · held since ${escapeHtml(when(e.createdAt))} <span class="muted small">· <code>${escapeHtml(e.id)}</code></span></p>
${entryForm(e.id, [
	['release', 'Send it now (release)'],
	['discard', 'Throw it away (discard)'],
], 'Release or discard')}</li>`,
		)
		.join('\n');
	const more = view.heldCount > view.held.length ? `<p class="hint">Showing the oldest ${view.held.length} of ${view.heldCount}; the kill-switch page releases them all at once.</p>` : '';
	return `${intro}<ul class="rows">${rows}</ul>${more}`;
}

export function deadHtml(view: DeskView): string {
	const intro = `<p class="hint">Vendor work that failed every attempt. Fix the cause (a credential, the vendor's settings), then retry: it goes back in the queue with fresh attempts.</p>`;
	if (view.dead.items.length === 0) return `${intro}<p class="muted">No dead letters.</p>`;
	const rows = view.dead.items
		.map(
			(d) => `<li><p><strong>${kind(d.kind)}</strong> for ${contact(d.contactId)} · ${d.attempts} attempt${d.attempts === 1 ? '' : 's'} · last ${escapeHtml(when(d.at))}</p>
<p class="error-text">Last error: ${escapeHtml(cut(d.lastError ?? 'none recorded', 500))}</p>
${entryForm(d.id, [['retry', 'Retry']], 'Retry')}</li>`,
		)
		.join('\n');
	return `${intro}<ul class="rows">${rows}</ul>${older('dead', view.dead.next)}`;
}

export function refusedSignupsHtml(view: DeskView): string {
	const intro = `<p class="hint">Signups the capture refused, and why. Nothing to press: a person who was refused saw what to fix.</p>`;
	if (view.signups.items.length === 0) return `${intro}<p class="muted">No refused signups.</p>`;
	const rows = view.signups.items
		.map((s) => {
			const errors = s.errors.map((e) => `<code>${escapeHtml(e.field)}</code>: ${escapeHtml(e.reason)}`).join('; ');
			return `<li><p><strong>${escapeHtml(s.reason)}</strong> (answered ${s.status}) · ${escapeHtml(when(s.at))}${s.contentType ? ` · sent as <code>${escapeHtml(cut(s.contentType, 100))}</code>` : ''}</p>${errors ? `<p>${errors}</p>` : ''}</li>`;
		})
		.join('\n');
	return `${intro}<ul class="rows">${rows}</ul>${older('signups', view.signups.next)}`;
}

const DELIVERY_WORDS: Record<string, string> = {
	bad_signature: 'the signature did not match the signing secret',
	missing_header: 'no signature header',
	malformed_header: 'a signature header the pack cannot read',
	stale_timestamp: 'signed too long ago (a replay, or a clock far off)',
	unreadable: 'signed, but not a body the pack can read',
	too_large: 'larger than the pack takes',
};

export function refusedDeliveriesHtml(view: DeskView): string {
	const intro = `<p class="hint">Payment webhooks the pack refused. <strong>A wrong signing secret shows up here first</strong>: a run of “the signature did not match” means the secret in n8n's credential differs from the one in the payment provider's webhook settings.</p>`;
	if (view.deliveries.items.length === 0) return `${intro}<p class="muted">No refused deliveries.</p>`;
	const rows = view.deliveries.items
		.map((d) => {
			const why = d.reason ? `${escapeHtml(DELIVERY_WORDS[d.reason] ?? d.reason)} (<code>${escapeHtml(d.reason)}</code>)` : 'no reason recorded';
			return `<li><p><strong>${escapeHtml(d.provider)}</strong> · ${why} · ${escapeHtml(when(d.at))}${d.eventType ? ` · <code>${escapeHtml(d.eventType)}</code>` : ''} · ${d.attempts} time${d.attempts === 1 ? '' : 's'} · <a href="${deskLink({ inbox: d.id }, '#delivery')}">show what was sent</a></p></li>`;
		})
		.join('\n');
	return `${intro}<ul class="rows">${rows}</ul>${older('deliveries', view.deliveries.next)}`;
}

const signalWords = (signal: string, detail: Record<string, unknown>): string => {
	const words = ABUSE_SIGNAL_LABELS[signal as AbuseSignal] ?? signal;
	const extra = signal === 'disposable_domain' ? detail.domain : signal.endsWith('_velocity') ? `${String(detail.signupsInWindow)} in ${String(detail.windowMinutes)} min, limit ${String(detail.limit)}` : detail.detail;
	return `${escapeHtml(words)}${extra ? ` (${escapeHtml(cut(String(extra), 200))})` : ''}`;
};

function flaggedForm(contactId: string): string {
	const choices = [
		['clearFlagged', 'Clear: a real signup (held syncs are sent)'],
		['confirmSpam', 'Confirm as spam (held syncs are dropped)'],
	]
		.map(([value, label]) => {
			const id = fieldId('do');
			return `<div class="choice"><input type="radio" id="${id}" name="action" value="${value}" required> <label for="${id}">${escapeHtml(label!)}</label></div>`;
		})
		.join('\n');
	return `<form method="post" action="">${hidden('contactId', contactId)}
<fieldset><legend>What to do</legend>${choices}</fieldset>
${reasonField('e.g. a colleague signing up from the office')}
<button type="submit" class="secondary">Clear or confirm as spam</button>
</form>`;
}

export function flaggedSignupsHtml(view: DeskView): string {
	const intro = `<p class="hint">Signups the capture saved but flagged: a disposable address, a burst from one network or of look-alike addresses, a CAPTCHA not passed. They were answered as usual. Clear the real ones; confirm spam so it never reaches your email platform or CRM.</p>`;
	if (view.flagged.items.length === 0) return `${intro}<p class="muted">No flagged signups wait.</p>`;
	const rows = view.flagged.items
		.map((f) => {
			const who = f.email ?? f.phone ?? 'no email or phone';
			const signals = f.flags.map((flag) => signalWords(flag.signal, flag.detail)).join('; ');
			const held = f.heldSync ? ` · ${f.heldSync} sync${f.heldSync === 1 ? '' : 's'} held until you decide` : '';
			return `<li><p><strong>${escapeHtml(cut(who, 200))}</strong> · ${contact(f.contactId)} · flagged ${escapeHtml(when(f.at))}${held}</p><p>${signals}</p>
${flaggedForm(f.contactId)}</li>`;
		})
		.join('\n');
	return `${intro}<ul class="rows">${rows}</ul>${older('flagged', view.flagged.next)}`;
}

/** Shown at most this much of a delivery's body on the page. */
export const RAW_SHOWN = 64 * 1024;

/** `?inbox=`: a delivery as received, escaped, size-capped with a note. */
export function deliveryHtml(view: DeskView): string {
	if (!view.inbox) return '';
	const { id, entry } = view.inbox;
	if (!entry) return `<section id="delivery" class="panel"><h2>Raw delivery</h2><p class="note error" role="alert">No delivery <code>${escapeHtml(id)}</code> in this launch.</p></section>`;
	const shown = entry.rawBody.length > RAW_SHOWN ? entry.rawBody.slice(0, RAW_SHOWN) : entry.rawBody;
	const notes = [
		entry.rawBody.length > RAW_SHOWN ? `Only the first ${RAW_SHOWN / 1024} KB are shown here.` : '',
		entry.bodyCut ? `The ledger kept only the first part of this refused delivery (${entry.bodyBytes} bytes were sent).` : '',
	].filter((n) => n !== '');
	const signature = entry.signatureOk ? 'signature verified' : `refused: ${escapeHtml(entry.signatureReason ?? 'unknown reason')}`;
	return `<section id="delivery" class="panel"><h2>Raw delivery <code>${escapeHtml(entry.id)}</code></h2>
<p>${escapeHtml(entry.provider)} · ${escapeHtml(entry.eventType ?? 'no event type')} · received ${escapeHtml(when(entry.receivedAt))} · ${signature} · ${entry.bodyBytes} bytes · status ${escapeHtml(entry.status)}${entry.decision ? ` (${escapeHtml(entry.decision)})` : ''}</p>
${notes.map((n) => `<p class="hint">${escapeHtml(n)}</p>`).join('\n')}
<pre class="raw" tabindex="0">${escapeHtml(shown)}</pre>
<p><a href="${deskLink({})}">Close</a></p>
</section>`;
}
