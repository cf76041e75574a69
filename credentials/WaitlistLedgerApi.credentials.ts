import type { ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Where the ledger lives. Without this credential the nodes use an embedded SQLite file in the n8n
 * user folder, which is right for a single n8n. Queue mode (several workers) needs PostgreSQL.
 */
export class WaitlistLedgerApi implements ICredentialType {
	name = 'waitlistLedgerApi';

	displayName = 'Waitlist Ledger';

	icon = 'file:../nodes/shared/ledger.svg' as const;

	documentationUrl = 'https://github.com/waitlist-ledger/n8n-nodes-waitlist-ledger#the-ledger';

	properties: INodeProperties[] = [
		{
			displayName: 'Storage',
			name: 'driver',
			type: 'options',
			options: [
				{
					name: 'Embedded SQLite File',
					value: 'sqlite',
					description: 'One file next to n8n. Right for a single n8n instance.',
				},
				{
					name: 'PostgreSQL',
					value: 'postgres',
					description: 'Shared by every n8n worker. Required in queue mode.',
				},
			],
			default: 'sqlite',
		},
		{
			displayName: 'File Path',
			name: 'sqlitePath',
			type: 'string',
			default: '',
			placeholder: '/home/node/.n8n/waitlist-ledger.sqlite',
			description: 'Leave empty to use waitlist-ledger.sqlite in the n8n user folder',
			displayOptions: { show: { driver: ['sqlite'] } },
		},
		{
			displayName: 'Connect With',
			name: 'postgresConnection',
			type: 'options',
			options: [
				{ name: 'Host and Credentials', value: 'fields' },
				{ name: 'Connection URL', value: 'url' },
			],
			default: 'fields',
			displayOptions: { show: { driver: ['postgres'] } },
		},
		// The URL carries the database password, so it is masked like one.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Connection URL',
			name: 'connectionString',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			placeholder: 'postgres://user:password@db.example.com:5432/n8n',
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['url'] } },
		},
		{
			displayName: 'Host',
			name: 'host',
			type: 'string',
			default: 'localhost',
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['fields'] } },
		},
		{
			displayName: 'Port',
			name: 'port',
			type: 'number',
			default: 5432,
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['fields'] } },
		},
		{
			displayName: 'Database',
			name: 'database',
			type: 'string',
			default: 'n8n',
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['fields'] } },
		},
		{
			displayName: 'User',
			name: 'user',
			type: 'string',
			default: 'postgres',
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['fields'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { driver: ['postgres'], postgresConnection: ['fields'] } },
		},
		{
			displayName: 'SSL',
			name: 'ssl',
			type: 'options',
			options: [
				{ name: 'Off', value: 'disable' },
				{ name: 'Required, Verify Certificate', value: 'verify' },
				{ name: 'Required, Allow Self-Signed Certificate', value: 'allowSelfSigned' },
			],
			default: 'disable',
			displayOptions: { show: { driver: ['postgres'] } },
		},
		{
			displayName: 'Schema',
			name: 'schema',
			type: 'string',
			default: 'waitlist_ledger',
			description: "Schema for the ledger's tables, created on first use, e.g. waitlist_ledger",
			displayOptions: { show: { driver: ['postgres'] } },
		},
	];
}
