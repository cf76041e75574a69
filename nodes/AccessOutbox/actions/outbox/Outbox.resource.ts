import type { INodeProperties } from 'n8n-workflow';

import * as ack from './ack.operation';
import * as claim from './claim.operation';
import * as discardHeld from './discardHeld.operation';
import * as enqueue from './enqueue.operation';
import * as fail from './fail.operation';
import * as listDead from './listDead.operation';
import * as listHeld from './listHeld.operation';
import * as pause from './pause.operation';
import * as release from './release.operation';
import * as releaseHeld from './releaseHeld.operation';
import * as requeueDead from './requeueDead.operation';
import * as resume from './resume.operation';
import * as status from './status.operation';

export { ack, claim, discardHeld, enqueue, fail, listDead, listHeld, pause, release, releaseHeld, requeueDead, resume, status };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Ack', value: 'ack', description: 'Mark a claimed entry done, with the vendor\'s response ID', action: 'Ack an entry' },
			{ name: 'Claim Batch', value: 'claim', description: 'Take due entries (new, retries, expired claims) for this run', action: 'Claim a batch of entries' },
			{ name: 'Discard Held', value: 'discardHeld', description: 'Throw away held entries a person decided against', action: 'Discard held entries' },
			{ name: 'Enqueue', value: 'enqueue', description: 'Add work for a vendor; the same idempotency key twice makes one entry', action: 'Enqueue an entry' },
			{ name: 'Fail', value: 'fail', description: 'Record a failed attempt: retry later with backoff or Retry-After, or dead-letter', action: 'Fail an entry' },
			{ name: 'Get Status', value: 'status', description: 'Counts by status, due entries, expired claims, kill switch', action: 'Get outbox status' },
			{ name: 'List Dead', value: 'listDead', description: 'Entries that ran out of attempts, with their last error', action: 'List dead entries' },
			{ name: 'List Held', value: 'listHeld', description: 'Entries waiting behind the kill switch', action: 'List held entries' },
			{ name: 'Pause (Kill Switch)', value: 'pause', description: 'Hold access grants (or all vendor calls) for this launch', action: 'Pause the outbox' },
			{ name: 'Release', value: 'release', description: 'Give a claimed entry back without counting an attempt', action: 'Release an entry' },
			{ name: 'Release Held', value: 'releaseHeld', description: 'Let single held entries through, even while paused', action: 'Release held entries' },
			{ name: 'Requeue Dead', value: 'requeueDead', description: 'Retry dead entries with fresh attempts', action: 'Requeue dead entries' },
			{ name: 'Resume', value: 'resume', description: 'Turn the kill switch off and release held entries in order', action: 'Resume the outbox' },
		],
		default: 'claim',
	},
	...enqueue.description,
	...claim.description,
	...ack.description,
	...fail.description,
	...release.description,
	...pause.description,
	...resume.description,
	...releaseHeld.description,
	...discardHeld.description,
	...listHeld.description,
	...listDead.description,
	...requeueDead.description,
	...status.description,
];
