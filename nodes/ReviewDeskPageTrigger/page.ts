import { escapeHtml, renderPage, type RenderedPage } from '../shared/page';
import { deskLink, when } from './format';
import { openItemHtml, settledItemHtml } from './items';
import { deadHtml, deliveryHtml, flaggedSignupsHtml, heldHtml, refusedDeliveriesHtml, refusedSignupsHtml } from './lists';
import type { DeskView } from './view';

/**
 * The review desk page: what happened (the last action, or what to fix), the item a link asked
 * for, the open items newest first, then the lists beside them. Server-rendered HTML only (the page
 * kit's CSP allows no script); every value escaped; one column on a phone, two on a wide screen.
 */

const CSS = `
main.wide{max-width:76rem}
.top{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline}
nav ul{list-style:none;padding:0;margin:.5rem 0 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem}
.grid{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.25rem;align-items:start}
@media (max-width:900px){.grid{grid-template-columns:minmax(0,1fr)}}
.panel{background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08);padding:1rem 1.25rem;margin:0 0 1.25rem}
.item{border:1px solid #c9d1cb;border-radius:10px;padding:.75rem 1rem;margin:0 0 1rem;background:#fff}
.item.focus{border:3px solid #1f5a8a}
.item.settled{background:#f4f6f4}
h3{font-size:1.05rem;margin:0 0 .25rem}
h4{font-size:1rem;margin:.75rem 0 .25rem}
.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem .75rem;margin:.5rem 0}
.facts dt{font-weight:600}.facts dd{margin:0;overflow-wrap:anywhere}
@media (max-width:480px){.facts{grid-template-columns:minmax(0,1fr);gap:0}.facts dd{margin:0 0 .4rem}}
.message{margin:.25rem 0}
.muted{color:#5b6660}.small{font-size:.88rem}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:6px;background:#e6e9e7;color:#1d2521}
.note{padding:.6rem .9rem;border-radius:8px;margin:.75rem 0;background:#eef3f8;border-left:4px solid #1f5a8a}
.note.ok{background:#eef8f1;border-left-color:#2f7d4f}
.note.error{background:#fdecea;border-left-color:#b3261e}
.hint{color:#4a5650;margin:.25rem 0}
.error-text{color:#8c1d18;overflow-wrap:anywhere}
summary{cursor:pointer;font-weight:600;padding:.35rem 0}
details[open] summary{margin-bottom:.25rem}
.action{border-top:1px solid #e1e5e2;padding-top:.25rem}
fieldset{border:1px solid #c9d1cb;border-radius:8px;margin:.5rem 0;padding:.25rem .75rem .5rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;gap:.5rem;align-items:baseline;margin:.35rem 0}.choice label{overflow-wrap:anywhere}
label.field{display:block;font-weight:600;margin-top:.5rem}
input[type=text],input[type=search]{width:100%;font:inherit;padding:.45rem;border:1px solid #8a948e;border-radius:6px}
input:focus,summary:focus,pre:focus{outline:3px solid #f2b134;outline-offset:2px}
button{font:inherit;font-weight:600;margin:.5rem 0;padding:.5rem 1rem;border:0;border-radius:8px;background:#1d2521;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1d2521;border:2px solid #1d2521}
ul.rows{list-style:none;padding:0;margin:0}ul.rows>li{border-top:1px solid #e1e5e2;padding:.5rem 0}ul.rows p{margin:.2rem 0;overflow-wrap:anywhere}
pre.raw{white-space:pre-wrap;overflow-wrap:anywhere;max-height:28rem;overflow:auto;background:#f4f6f4;padding:.75rem;border-radius:8px;font-size:.85rem}
`;

export interface ReviewDeskPageInput {
	view: DeskView;
	signedInAs: string;
	/** What the last action did, or what to fix. */
	result?: { ok: boolean; message: string };
}

/** `?item=`: the item asked for, or why it is not among the open ones. */
function focusHtml(view: DeskView, acted: boolean): string {
	const focus = view.focus;
	if (!focus) return '';
	if (!focus.item) {
		return `<p class="note error" role="alert">There is no review item <code>${escapeHtml(focus.id)}</code> in launch “${escapeHtml(view.launch)}”. It may belong to another launch, or have been forgotten with its contact. The open items are below.</p>`;
	}
	const item = focus.item;
	if (item.status === 'open') return '';
	// Right after an action the note above says what happened; the settled item follows it.
	if (acted) return settledItemHtml(item, true);
	return `<p class="note" role="status">This item is already resolved, by ${escapeHtml(item.resolvedBy ?? 'someone')} at ${escapeHtml(when(item.resolvedAt))}: ${escapeHtml(item.resolution ?? 'no note')}.</p>
${settledItemHtml(item, true)}`;
}

function itemsHtml(view: DeskView): string {
	const count = view.items.length;
	const list = count === 0 ? '<p class="muted">Nothing waits for a person. Items appear here when the pack refuses to guess.</p>' : view.items.map((i) => openItemHtml(i, view)).join('\n');
	const more = view.next ? `<p><a href="${deskLink({ cursor: view.next })}">Older open items →</a></p>` : '';
	const first = view.query.cursor ? `<p><a href="${deskLink({})}">← Back to the newest</a></p>` : '';
	return `<section aria-labelledby="open-items"><h2 id="open-items">Open items (newest first)</h2>
${first}${list}
${more}</section>`;
}

function settledHtml(view: DeskView): string {
	if (view.settled.length === 0) return '';
	return `<section class="panel" aria-labelledby="settled"><h2 id="settled">Recently settled</h2>
<p class="hint">Who settled what. A merge made here can be undone with Unmerge.</p>
${view.settled.map((i) => settledItemHtml(i, false)).join('\n')}
</section>`;
}

const panel = (id: string, title: string, html: string): string => `<section class="panel" id="${id}" aria-labelledby="${id}-title"><h2 id="${id}-title">${title}</h2>\n${html}\n</section>`;

export function renderReviewDeskPage(input: ReviewDeskPageInput): RenderedPage {
	const { view } = input;
	const result = input.result
		? `<p class="note ${input.result.ok ? 'ok' : 'error'}" role="${input.result.ok ? 'status' : 'alert'}">${escapeHtml(input.result.message)}</p>`
		: '';
	const body = `<header class="top"><h1>Review desk</h1><p class="small muted">Launch <strong>${escapeHtml(view.launch)}</strong> · signed in as <strong>${escapeHtml(input.signedInAs || 'header credential')}</strong> · <a href="${deskLink({})}">reload</a></p></header>
<nav aria-label="Lists on this page"><ul><li><a href="#open-items">Open items (${view.items.length}${view.next ? '+' : ''})</a></li><li><a href="#held">Held (${view.heldCount})</a></li><li><a href="#dead">Dead letters</a></li><li><a href="#flagged-signups">Flagged signups (${view.flagged.items.length}${view.flagged.next ? '+' : ''})</a></li><li><a href="#refused-signups">Refused signups</a></li><li><a href="#refused-deliveries">Refused payment deliveries</a></li></ul></nav>
${result}
${focusHtml(view, input.result !== undefined)}
${deliveryHtml(view)}
<div class="grid">
<div>
${itemsHtml(view)}
${settledHtml(view)}
</div>
<div>
${panel('held', 'Held grants', heldHtml(view))}
${panel('dead', 'Dead letters', deadHtml(view))}
${panel('refused-deliveries', 'Refused payment deliveries', refusedDeliveriesHtml(view))}
${panel('flagged-signups', 'Flagged signups', flaggedSignupsHtml(view))}
${panel('refused-signups', 'Refused signups', refusedSignupsHtml(view))}
</div>
</div>`;
	return renderPage({ title: `Review desk · ${view.launch}`, body, css: CSS, mainClass: 'wide' });
}
