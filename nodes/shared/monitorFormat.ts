/**
 * How the launch monitor's times and durations read for a person: in UTC (an alert goes to people
 * in several time zones, and the dashboard is rendered on the server, without a script to
 * localize it) and in rounded words.
 */

/** "2026-03-01 09:05 UTC". */
export function utcText(at: number | null | undefined): string {
	if (at === null || at === undefined || !Number.isFinite(at)) return '–';
	return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** ISO 8601 for output items, or null. */
export function isoTime(at: number | null | undefined): string | null {
	return at === null || at === undefined || !Number.isFinite(at) ? null : new Date(at).toISOString();
}

/** "45 s", "12 min", "3 h 20 min", "2 days 4 h". */
export function durationText(ms: number | null | undefined): string {
	if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
	const seconds = Math.round(ms / 1000);
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.round(ms / 60_000);
	if (minutes < 60) return `${minutes} min`;
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
	const days = Math.floor(hours / 24);
	return hours % 24 ? `${days} days ${hours % 24} h` : `${days} days`;
}

/** "5 min" for a window length. */
export function windowText(ms: number): string {
	return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** "87.5 %", or "–" when there was nothing to measure. */
export function percentText(value: number | null | undefined): string {
	return value === null || value === undefined || !Number.isFinite(value) ? '–' : `${Math.round(value * 10) / 10} %`;
}

/**
 * n8n's date picker gives "2026-03-01T09:00:00" without a zone, which JavaScript would read in the
 * server's own zone; the monitor reads such a time as UTC, like every time it shows.
 */
export function utcIfNoZone(text: string): string {
	return /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?)?$/.test(text.trim()) ? `${text.trim().length === 10 ? `${text.trim()}T00:00:00` : text.trim()}Z` : text;
}
