import { Client } from 'pg';

/** Where a PostgreSQL server is, for the administrative statements below (no database chosen). */
export interface PostgresServer {
	host: string;
	port: number;
	user: string;
	password?: string;
}

/**
 * Creates a database unless it exists (PostgreSQL has no CREATE DATABASE IF NOT EXISTS), for
 * `npm run start:queue`, which keeps n8n's database and the ledger apart from anything else.
 */
export async function ensurePostgresDatabase(server: PostgresServer, name: string): Promise<void> {
	if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Database name "${name}" must be lowercase letters, digits and _`);
	const client = new Client({ ...server, database: 'postgres' });
	await client.connect();
	try {
		const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
		if (rowCount) return;
		await client.query(`CREATE DATABASE ${name}`).catch((error: { code?: string }) => {
			if (error.code !== '42P04') throw error; // created meanwhile by another process
		});
	} finally {
		await client.end();
	}
}
