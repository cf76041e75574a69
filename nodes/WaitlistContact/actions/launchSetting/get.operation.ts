import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { DEFAULT_LAUNCH_SETTINGS, type LaunchSettings, type Ledger } from '../../../../ledger';
import { launchOf } from '../../../shared/parameters';
import { done, type Routed } from '../../../shared/runner';

const properties: INodeProperties[] = [
	{
		displayName:
			'Returns one item with every setting of the launch. A launch nobody has configured uses the defaults, listed under "defaults"; "customized" names the settings that differ from them.',
		name: 'getNotice',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { resource: ['launchSetting'], operation: ['get'] } }, properties);

/** The settings that differ from the defaults, by name. */
function customized(settings: LaunchSettings): string[] {
	const defaults = DEFAULT_LAUNCH_SETTINGS as unknown as Record<string, unknown>;
	return Object.entries(settings)
		.filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(defaults[key]))
		.map(([key]) => key);
}

/** A launch's settings as output items show them: each setting at the top, then the defaults. */
export function settingsJson(launch: string, settings: LaunchSettings): IDataObject {
	return {
		launch,
		...(structuredClone(settings) as unknown as IDataObject),
		customized: customized(settings),
		defaults: structuredClone(DEFAULT_LAUNCH_SETTINGS) as unknown as IDataObject,
	};
}

export async function execute(this: IExecuteFunctions, ledger: Ledger, itemIndex: number): Promise<Routed[]> {
	const launch = launchOf(this, itemIndex);
	return [done(settingsJson(launch, await ledger.settings.get(launch)))];
}
