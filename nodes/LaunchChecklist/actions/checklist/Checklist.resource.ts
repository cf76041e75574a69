import type { INodeProperties } from 'n8n-workflow';

import { launchProperty } from '../../../shared/parameters';
import * as cleanUp from './cleanUp.operation';
import * as getReport from './getReport.operation';
import * as runStep from './runStep.operation';

export { cleanUp, getReport, runStep };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		default: 'runStep',
		options: [
			{ name: 'Clean Up', value: 'cleanUp', description: 'Remove the run\'s test records from the ledger and, where their API allows, from Kit and HubSpot', action: 'Clean up a checklist run' },
			{ name: 'Get Report', value: 'getReport', description: 'Every step of a run: passed, failed with the fix, waiting, skipped, with the evidence', action: 'Get a checklist report' },
			{ name: 'Run Step', value: 'runStep', description: 'Run one step through your real capture URL, payment webhook and kill switch, and keep what it showed', action: 'Run a checklist step' },
		],
	},
	launchProperty,
	{
		displayName: 'Run ID',
		name: 'runId',
		type: 'string',
		default: '={{ $json.runId ?? "" }}',
		placeholder: 'e.g. {{ $json.runId }}',
		description:
			'Which checklist run. Run Step: empty starts a new run; the default reads the runId of the item before, so steps chained one after another share a run. Get Report and Clean Up: empty means the launch\'s newest run.',
	},
	...runStep.description,
	...getReport.description,
	{
		displayName: 'Use Kit',
		name: 'useKit',
		type: 'boolean',
		default: true,
		description: 'Whether to read the test subscribers back from Kit (UTM Capture) and unsubscribe them (Clean Up), with your "ConvertKit API" credential',
		displayOptions: { show: { operation: ['runStep', 'cleanUp'] } },
	},
	{
		displayName: 'Use HubSpot',
		name: 'useHubspot',
		type: 'boolean',
		default: true,
		description: 'Whether to read the test contacts back from HubSpot (UTM Capture) and delete them (Clean Up), with your "HubSpot Service Key" credential',
		displayOptions: { show: { operation: ['runStep', 'cleanUp'] } },
	},
	...cleanUp.description,
];
