import { LedgerInputError } from '../errors';
import type { SqlExecutor } from '../store';
import { isTestLaunch } from './steps';

/**
 * Every table that keeps rows per launch, read from the database itself, so a table added later is
 * cleaned without anyone remembering to list it here. The checklist's own tables are kept: the report
 * of a cleaned run stays readable.
 */
export async function launchTables(tx: SqlExecutor): Promise<string[]> {
	const rows =
		tx.dialect === 'postgres'
			? await tx.query<{ name: string }>(
					`SELECT c.table_name AS name FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
					 WHERE c.column_name = 'launch' AND c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`,
				)
			: await tx.query<{ name: string }>(
					`SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = 'launch'`,
				);
	return rows.map((r) => r.name).filter((name) => !name.startsWith('checklist_')).sort();
}

/** Deletes every row of a checklist's test launch; returns the rows deleted per table (tables with none left out). */
export async function deleteTestLaunch(tx: SqlExecutor, testLaunch: string): Promise<Record<string, number>> {
	// The one guard that matters: this never deletes a real launch.
	if (!isTestLaunch(testLaunch)) throw new LedgerInputError('launch', `"${testLaunch}" is not a checklist's test launch; only those are deleted`);
	const deleted: Record<string, number> = {};
	for (const table of await launchTables(tx)) {
		const count = await tx.execute(`DELETE FROM "${table}" WHERE launch = $1`, [testLaunch]);
		if (count > 0) deleted[table] = count;
	}
	return deleted;
}

/** Rows the test launch still holds, per table; empty when Clean Up left nothing. */
export async function testLaunchLeftovers(tx: SqlExecutor, testLaunch: string): Promise<Record<string, number>> {
	const left: Record<string, number> = {};
	for (const table of await launchTables(tx)) {
		const [row] = await tx.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM "${table}" WHERE launch = $1`, [testLaunch]);
		if (Number(row?.n ?? 0) > 0) left[table] = Number(row!.n);
	}
	return left;
}
