/** The operations of Waitlist Contact, one file each under actions/<resource>/. */
export type ContactOperation = 'upsert' | 'get' | 'find' | 'link' | 'merge' | 'unmerge' | 'forget' | 'history' | 'place' | 'referrals' | 'confirmOptIn' | 'unconfirmed';
export type LaunchSettingOperation = 'get' | 'update';

export interface ContactNodeOperations {
	contact: ContactOperation;
	launchSetting: LaunchSettingOperation;
}
