import type { Store } from '../store';
import { getLaunchSettings, updateLaunchSettings, type LaunchSettings, type LaunchSettingsPatch } from './settings';

/** A launch's settings (canonical key, phone country, identifier limits, merge and unknown-tag policies). */
export class SettingsApi {
	constructor(private readonly store: Store) {}

	get(launch: string): Promise<LaunchSettings> {
		return getLaunchSettings(this.store, launch);
	}

	update(launch: string, patch: LaunchSettingsPatch, options: { source?: string } = {}): Promise<LaunchSettings> {
		return this.store.transaction((tx) => updateLaunchSettings(tx, launch, patch, options));
	}
}
