/** The operations of Waitlist Contact, one file each under actions/contact/. */
export type ContactOperation = 'upsert' | 'get' | 'find' | 'link' | 'merge' | 'unmerge' | 'forget' | 'history';
