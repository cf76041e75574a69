import type { ChecklistReport, StepResult } from '../../ledger';

import { escapeHtml, renderPage, type RenderedPage } from '../shared/page';

/*
 * The checklist report as a page (the page kit's shell: no script, strict CSP): one card per step,
 * passed ones green, failed ones red with the fix, waiting amber, skipped and not-built grey.
 */

const WORDS: Record<StepResult['status'], string> = { passed: 'Passed', failed: 'Failed', waiting: 'Waiting', skipped: 'Skipped', not_run: 'Not run' };

const CSS = `
.summary{margin:0 0 1rem;font-size:1.05rem}
.ready{color:#1e6b3a;font-weight:600}.notready{color:#9b2c2c;font-weight:600}
.step{overflow-wrap:anywhere;border-left:6px solid #b5bcb7;background:#fff;border-radius:8px;padding:.75rem 1rem;margin:0 0 .75rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.step h2{display:flex;gap:.5rem;align-items:baseline;flex-wrap:wrap}
.badge{font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.03em;padding:.1rem .5rem;border-radius:999px;background:#eef1ee;color:#39423d}
.passed{border-color:#2f8f4e}.passed .badge{background:#dff3e6;color:#1e6b3a}
.failed{border-color:#c53030}.failed .badge{background:#fde2e2;color:#9b2c2c}
.waiting{border-color:#d69e2e}.waiting .badge{background:#fdf1d6;color:#7a5310}
.fix{background:#fff5f5;border-radius:6px;padding:.5rem .75rem;margin:.5rem 0 0;white-space:pre-line}
.fix strong{display:block}
details{margin-top:.5rem}pre{white-space:pre-wrap;word-break:break-word;font-size:.8rem;background:#f6f7f5;padding:.5rem;border-radius:6px;max-height:24rem;overflow:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e3e7e4;vertical-align:top}
`;

/**
 * Escaped text with its `code spans` shown as code (fix texts name fields that way) and its web
 * addresses as links (a live run's checkout link is to be opened, not copied). A sentence's closing
 * punctuation stays outside the link. The address is already escaped, so it is safe as an attribute.
 */
const withCode = (text: string): string =>
	escapeHtml(text)
		.replace(/`([^`]+)`/g, '<code>$1</code>')
		.replace(/(^|[\s(])(https?:\/\/[^\s<]*[^\s<.,;:!?)])/g, '$1<a href="$2" target="_blank" rel="noopener noreferrer">$2</a>');

function stepCard(step: StepResult): string {
	const label = step.status === 'not_run' && !step.built ? 'Check by hand' : WORDS[step.status];
	const fix = step.fix ? `<div class="fix"><strong>What to fix</strong>${withCode(step.fix)}</div>` : '';
	const evidence =
		Object.keys(step.evidence).length > 0 ? `<details><summary>Evidence</summary><pre>${escapeHtml(JSON.stringify(step.evidence, null, 2))}</pre></details>` : '';
	return `<section class="step ${escapeHtml(step.status)}" data-step="${escapeHtml(step.step)}" data-status="${escapeHtml(step.status)}">
<h2><span>${step.number}. ${escapeHtml(step.title)}</span> <span class="badge">${escapeHtml(label)}</span></h2>
${step.reason ? `<p>${withCode(step.reason)}</p>` : ''}${fix}${evidence}
</section>`;
}

function recordsTable(report: ChecklistReport): string {
	if (report.records.length === 0) return '<p>No test records yet.</p>';
	const rows = report.records
		.map((r) => `<tr><td>${escapeHtml(r.system)}</td><td>${escapeHtml(r.label ?? r.recordId)}</td><td>${escapeHtml(r.removal === 'removed' ? 'removed' : r.removal === 'not_removable' ? 'remove by hand' : 'still there')}</td><td>${escapeHtml(r.note ?? '')}</td></tr>`)
		.join('\n');
	return `<table><thead><tr><th>Where</th><th>Record</th><th>State</th><th>Note</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReportPage(report: ChecklistReport): RenderedPage {
	const { run, counts } = report;
	const summary = report.ready
		? '<span class="ready">Ready: every step the checklist can run passed.</span>'
		: `<span class="notready">Not ready yet: ${counts.failed} failed, ${counts.waiting} waiting.</span>`;
	const body = `<h1>Pre-launch checklist — ${escapeHtml(run.launch)}</h1>
<p class="summary">${summary} ${run.mode === 'dry' ? 'Dry run' : 'Live run'} <code>${escapeHtml(run.id)}</code>, started ${escapeHtml(new Date(run.createdAt).toISOString().slice(0, 16).replace('T', ' '))} UTC.</p>
${report.steps.map(stepCard).join('\n')}
<h2>Test records</h2>
${recordsTable(report)}`;
	return renderPage({ title: `Pre-launch checklist — ${run.launch}`, body, css: CSS });
}
