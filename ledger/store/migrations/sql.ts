import type { Dialect } from '../types';

/** An auto-incrementing integer primary key, spelled the way each database wants it. */
export const serialKey = (dialect: Dialect): string =>
	dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';
