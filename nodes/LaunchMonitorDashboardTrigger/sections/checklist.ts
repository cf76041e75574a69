import type { ChecklistReport } from '../../../ledger';
import { utcText } from '../../shared/monitorFormat';
import { escapeHtml } from '../../shared/page';

/** The latest pre-launch checklist run of the launch: ready or not, which steps failed or wait, a link to its report. */

const WORDS = { passed: 'passed', failed: 'failed', waiting: 'waiting', skipped: 'skipped', not_run: 'not run' } as const;

export function checklistSection(report: ChecklistReport | null, reportUrl: string): string {
	if (!report) {
		return `<section class="card wide-card" aria-labelledby="checklist-h" data-checklist="none"><h2 id="checklist-h">Pre-launch checklist</h2>
<p class="sub">No rehearsal yet. Run the pre-launch checklist an afternoon before launch day (<a href="${escapeHtml(reportUrl)}">report page</a>).</p></section>`;
	}
	const { run, counts } = report;
	const built = report.steps.filter((s) => s.built);
	const failed = built.filter((s) => s.status === 'failed');
	const state = report.ready ? 'passed' : failed.length > 0 ? 'failed' : 'incomplete';
	const headline = report.ready
		? `Ready: ${counts.passed} passed${counts.skipped ? `, ${counts.skipped} skipped` : ''}`
		: `Not ready: ${counts.failed} failed, ${counts.waiting} waiting, ${built.filter((s) => s.status === 'not_run').length} not run`;
	const steps = built
		.map((s) => `<li class="ck-${escapeHtml(s.status)}" data-step="${escapeHtml(s.step)}" data-status="${escapeHtml(s.status)}">${s.number}. ${escapeHtml(s.title)}: <strong>${WORDS[s.status]}</strong></li>`)
		.join('\n');
	return `<section class="card wide-card checklist ${state}" aria-labelledby="checklist-h" data-checklist="${state}"><h2 id="checklist-h">Pre-launch checklist</h2>
<p class="ck-head">${escapeHtml(headline)}</p>
<p class="sub">${run.mode === 'dry' ? 'Dry run' : 'Live run'} ${escapeHtml(run.id)}, started ${escapeHtml(utcText(run.createdAt))}${run.status === 'cleaned' ? ', test records cleaned up' : ''}.</p>
<ul class="plain">${steps}</ul>
<p><a href="${escapeHtml(reportUrl)}">Open the checklist report${failed.length ? ' (what to fix)' : ''}</a></p></section>`;
}

export const CHECKLIST_CSS = `
.checklist.passed{border-left:6px solid #2f8f4e}.checklist.failed{border-left:6px solid #c0392b}.checklist.incomplete{border-left:6px solid #c77d12}
.ck-head{font-weight:700;margin:.25rem 0}.checklist.passed .ck-head{color:#1c5235}.checklist.failed .ck-head{color:#8a1c15}
.ck-failed{color:#8a1c15}.ck-passed{color:#1c5235}.ck-waiting{color:#6b4307}
`;
