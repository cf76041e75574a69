import type { ForgetStep } from '../contacts/steps';

/**
 * Forget, for the monitor's own rows: snapshots and announcements keep vendor error texts (a dead
 * letter's last error), which can name a person ("invalid email ada@…"); their identifiers are
 * replaced there too. JSON stays valid: an email or phone has nothing JSON escapes, and the
 * replacement has no quote. Listed in the Ledger's CONTACT_STEPS.
 */
export const monitorForgetStep: ForgetStep = {
	name: 'monitor',
	async forget(tx, context) {
		const contains = (column: string) => (tx.dialect === 'postgres' ? `strpos(${column}, $2) > 0` : `instr(${column}, $2) > 0`);
		for (const value of new Set(context.values.filter((v) => v.length >= 3))) {
			await tx.execute(`UPDATE monitor_snapshots SET signals = REPLACE(signals, $2, '[forgotten]') WHERE launch = $1 AND ${contains('signals')}`, [context.launch, value]);
			await tx.execute(`UPDATE monitor_announcements SET data = REPLACE(data, $2, '[forgotten]') WHERE launch = $1 AND ${contains('data')}`, [context.launch, value]);
		}
	},
};
