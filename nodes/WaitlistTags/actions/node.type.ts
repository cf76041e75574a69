/** The operations of Waitlist Tags by resource, one file each under actions/<resource>/. */
export type TagsOperations = {
	tag: 'apply' | 'remove' | 'normalize';
	registry: 'add' | 'alias' | 'import' | 'export' | 'list';
};
