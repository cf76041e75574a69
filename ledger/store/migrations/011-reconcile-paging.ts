import type { Migration } from './sql';

/** The sweep pages through a launch's contacts by id ("missing in the ESP"); this keeps each page an index range. */
export const reconcilePaging: Migration = {
	version: 11,
	name: 'contacts by launch and id, for sweep paging',
	statements: () => [`CREATE INDEX IF NOT EXISTS contacts_launch_id ON contacts (launch, id)`],
};
