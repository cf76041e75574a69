import type { Migration } from './sql';

/**
 * SQLite: the line's count tree (migration 90) stored in its primary key's order (WITHOUT ROWID).
 *
 * A place in line sums up to 8 short ranges of `line_counts` rows. In a rowid table each row in a range
 * is a second B-tree descent (index entry → table row) to read its count; clustered, the count sits in
 * the index leaf, so a range is one descent and one leaf, and a signup's 8 count updates touch one
 * B-tree instead of two. PostgreSQL keeps its heap: covering the count in an index there would stop
 * those updates from being HOT, for a read that is already one round trip.
 */
export const lineCountsClustered: Migration = {
	version: 95,
	name: 'line counts clustered by their key (SQLite)',
	statements: (dialect) =>
		dialect === 'postgres'
			? []
			: [
					`CREATE TABLE line_counts_clustered (
						launch TEXT NOT NULL,
						level INTEGER NOT NULL,
						prefix BIGINT NOT NULL,
						count BIGINT NOT NULL,
						PRIMARY KEY (launch, level, prefix)
					) WITHOUT ROWID`,
					`INSERT INTO line_counts_clustered (launch, level, prefix, count) SELECT launch, level, prefix, count FROM line_counts`,
					`DROP TABLE line_counts`,
					`ALTER TABLE line_counts_clustered RENAME TO line_counts`,
				],
};
