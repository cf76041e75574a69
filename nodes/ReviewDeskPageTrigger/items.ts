import type { DeskContact, DeskItem } from '../../ledger';
import { escapeHtml } from '../shared/page';
import { contactHtml, deskLink, fieldId, hidden, kindWords, messageOf, money, reasonField, when } from './format';
import type { DeskView } from './view';

/**
 * One review item on the desk: what happened in words, who, what was paid, which rule stopped it,
 * the raw delivery on demand, and one form per action that makes sense for its kind. Plain forms,
 * labels and buttons only: usable by keyboard and without script.
 */

/** The reasons a purchase waits for a person to say who bought it (ledger/review/actions.ts). */
const UNMATCHED = ['no_contact_match', 'purchase_without_contact'];

const productOf = (item: DeskItem): string => (typeof item.payload.productId === 'string' ? item.payload.productId : '');

function paidHtml(item: DeskItem): string {
	const p = item.paid;
	if (!p) return '';
	const parts = [
		`<strong>${escapeHtml(money(p.amount, p.currency))}</strong>`,
		p.productId ? `product <code>${escapeHtml(p.productId)}</code>` : 'no product named',
		p.orderId ? `order <code>${escapeHtml(p.orderId)}</code>` : '',
		p.provider ? `via ${escapeHtml(p.provider)}` : '',
		p.email ? `paid with ${escapeHtml(p.email)}` : '',
	].filter((x) => x !== '');
	return `<dt>What was paid</dt><dd>${parts.join(' · ')}</dd>`;
}

function factsHtml(item: DeskItem): string {
	const other = item.otherContactId ? `<dt>Other contact</dt><dd>${contactHtml(item.otherContact, item.otherContactId)}</dd>` : '';
	const raw = item.inboxId ? `<dt>Raw delivery</dt><dd><a href="${deskLink({ item: item.id, inbox: item.inboxId }, '#delivery')}">Show what the payment provider sent</a></dd>` : '';
	return `<dl class="facts">
<dt>Who</dt><dd>${contactHtml(item.contact, item.contactId)}</dd>
${other}${paidHtml(item)}
<dt>Rule</dt><dd><code>${escapeHtml(item.rule)}</code></dd>
${raw}</dl>`;
}

const postForm = (action: string, reviewId: string, inner: string): string => `<form method="post" action="">${hidden('action', action)}${hidden('reviewId', reviewId)}
${inner}
</form>`;

function choice(name: string, value: string, label: string, checked = false): string {
	const id = fieldId(name);
	return `<div class="choice"><input type="radio" id="${id}" name="${escapeHtml(name)}" value="${escapeHtml(value)}" required${checked ? ' checked' : ''}> <label for="${id}">${label}</label></div>`;
}

function resultsForm(item: DeskItem, search: NonNullable<DeskView['search']>): string {
	if (search.error) return `<p class="note error" role="alert">Search: ${escapeHtml(search.error)}</p>`;
	if (search.results.length === 0) {
		return `<p class="note" role="status">No active contact's email or name starts with “${escapeHtml(search.query)}”. Try the start of the email, or the first name.</p>`;
	}
	const one = search.results.length === 1;
	const choices = search.results.map((c: DeskContact) => choice('contactId', c.id, contactHtml(c, c.id), one)).join('\n');
	return postForm(
		'match',
		item.id,
		`<fieldset><legend>Who bought it? (${search.results.length} found for “${escapeHtml(search.query)}”)</legend>
${choices}
</fieldset>
${reasonField('e.g. paid with her work email, confirmed by reply')}
<button type="submit">Match purchase to this contact</button>`,
	);
}

function matchHtml(item: DeskItem, view: DeskView): string {
	const id = fieldId('search');
	const search = view.search?.itemId === item.id ? view.search : undefined;
	return `<section class="action"><h4>Match this purchase to a contact</h4>
<p class="hint">The email and customer ID it was paid with are linked to the contact you pick, and the delivery is replayed: access is granted once.</p>
<form method="get" action="" role="search">${hidden('item', item.id)}
<label class="field" for="${id}">Find the buyer by email or name</label>
<input type="search" id="${id}" name="search" required maxlength="200" value="${escapeHtml(search?.query ?? '')}" placeholder="e.g. ada@ or Ada">
<button type="submit" class="secondary">Search contacts</button>
</form>
${search ? resultsForm(item, search) : ''}
</section>`;
}

function replayHtml(item: DeskItem): string {
	return `<section class="action"><h4>Replay the delivery</h4>
<p class="hint">After you fixed the cause elsewhere (defined the product, linked the email), the payment is decided again. It never grants twice.</p>
${postForm('replay', item.id, `${reasonField('e.g. product defined in the catalogue')}\n<button type="submit">Replay the delivery</button>`)}
</section>`;
}

function mergeHtml(item: DeskItem): string {
	const name = (c: DeskContact | null, id: string | null) => escapeHtml(c?.email ?? c?.name ?? id ?? '');
	const keep = `<fieldset><legend>Which contact stays?</legend>
${choice('keep', 'other', `Keep ${name(item.otherContact, item.otherContactId)} (the one that already owns it)`, true)}
${choice('keep', 'contact', `Keep ${name(item.contact, item.contactId)}`)}
</fieldset>`;
	return `<section class="action"><h4>One person? Merge the two contacts</h4>
<p class="hint">Their emails, tags and access become one contact. You can undo it with Unmerge.</p>
${postForm('merge', item.id, `${keep}\n${reasonField('e.g. same person, work and home email')}\n<button type="submit">Merge the two contacts</button>`)}
</section>
<section class="action"><h4>Two people? Keep them apart</h4>
${postForm('keepApart', item.id, `${reasonField('e.g. different people with similar emails')}\n<button type="submit">Keep them apart</button>`)}
</section>`;
}

function pinHtml(item: DeskItem): string {
	const id = fieldId('product');
	const how = `<fieldset><legend>Access by hand</legend>
${choice('action', 'grant', 'Give access')}
${choice('action', 'revoke', 'Take access away')}
</fieldset>`;
	return `<section class="action"><h4>Give or take access by hand</h4>
<p class="hint">A pin with your reason: payment events do not change it until someone removes it.</p>
<form method="post" action="">${hidden('reviewId', item.id)}
${how}
<label class="field" for="${id}">Product ID</label>
<input type="text" id="${id}" name="productId" required maxlength="200" value="${escapeHtml(productOf(item))}">
${reasonField('e.g. coupon price was right, checked in Stripe')}
<button type="submit">Set access</button>
</form>
</section>`;
}

function dismissHtml(item: DeskItem): string {
	return `<section class="action"><h4>Nothing to do here? Dismiss it</h4>
${postForm('dismiss', item.id, `${reasonField('e.g. a test purchase')}\n<button type="submit" class="secondary">Dismiss</button>`)}
</section>`;
}

function actionsHtml(item: DeskItem, view: DeskView): string {
	const parts: string[] = [];
	if (item.kind.startsWith('purchase') && UNMATCHED.includes(item.reason)) parts.push(matchHtml(item, view));
	if (item.kind === 'purchase' && item.inboxId) parts.push(replayHtml(item));
	if ((item.kind === 'link_identifier' || item.kind === 'possible_duplicate') && item.contactId && item.otherContactId) parts.push(mergeHtml(item));
	if (item.contactId && productOf(item)) parts.push(pinHtml(item));
	parts.push(dismissHtml(item));
	return parts.join('\n');
}

/** An open item; the one asked for by `?item=` has its actions open. */
export function openItemHtml(item: DeskItem, view: DeskView): string {
	const opened = view.focus?.item?.id === item.id;
	return `<article class="item${opened ? ' focus' : ''}" id="item-${escapeHtml(item.id)}" data-review-id="${escapeHtml(item.id)}">
<h3>${escapeHtml(kindWords(item.kind))} <span class="muted small">· opened ${escapeHtml(when(item.createdAt))} · <a href="${deskLink({ item: item.id })}">link to this item</a></span></h3>
<p class="message">${escapeHtml(messageOf(item))}</p>
${factsHtml(item)}
<details${opened ? ' open' : ''}><summary>Actions</summary>
${actionsHtml(item, view)}
</details>
</article>`;
}

/** Undo a merge made on the desk: the contact merged away is on its own again. */
export function unmergeHtml(item: DeskItem): string {
	if (!(item.resolution ?? '').startsWith('merged')) return '';
	const merged = [item.contact, item.otherContact].filter((c): c is DeskContact => c !== null && c.status === 'merged');
	return merged
		.map(
			(c) => `<form method="post" action="" class="unmerge">${hidden('action', 'unmerge')}${hidden('contactId', c.id)}${hidden('reviewId', item.id)}
${reasonField('e.g. merged by mistake, two different people')}
<button type="submit" class="secondary">Unmerge ${escapeHtml(c.email ?? c.name ?? c.id)}</button>
</form>`,
		)
		.join('\n');
}

/** A settled item: who settled it, when, and how; an Unmerge where it merged two contacts. */
export function settledItemHtml(item: DeskItem, focus: boolean): string {
	return `<article class="item settled${focus ? ' focus' : ''}" id="item-${escapeHtml(item.id)}" data-review-id="${escapeHtml(item.id)}">
<h3>${escapeHtml(kindWords(item.kind))} <span class="badge">settled</span> <span class="muted small">· <a href="${deskLink({ item: item.id })}">link to this item</a></span></h3>
<p>Resolved by <strong>${escapeHtml(item.resolvedBy ?? 'someone')}</strong> at ${escapeHtml(when(item.resolvedAt))}: ${escapeHtml(item.resolution ?? 'no note')}</p>
${focus ? factsHtml(item) : ''}
${unmergeHtml(item)}
</article>`;
}
