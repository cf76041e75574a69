import type { AlertRuleId, AlertStatus } from '../../../ledger';
import { escapeHtml } from '../../shared/page';

/** What every section of the dashboard may need: a number, counts by kind, whether a rule fires. */

export const num = (n: number) => n.toLocaleString('en-US');

/** "honeypot 2, invalid 1" (escaped), or "none". */
export function counts(byKind: Record<string, number>): string {
	const entries = Object.entries(byKind).filter(([, n]) => n > 0);
	return entries.length ? entries.map(([k, n]) => `${escapeHtml(k)} ${num(n)}`).join(', ') : 'none';
}

export function firingRule(alerts: readonly AlertStatus[], rule: AlertRuleId): boolean {
	return alerts.some((a) => a.rule === rule && a.state === 'firing');
}

/** "1 entry" / "3 entries". */
export const plural = (n: number, one: string, many: string) => `${num(n)} ${n === 1 ? one : many}`;
