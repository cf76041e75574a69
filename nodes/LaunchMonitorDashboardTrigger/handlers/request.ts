/** The parts of n8n's Express request the dashboard's handlers read. */
export interface DashboardRequest {
	method?: string;
	path?: string;
	url?: string;
	headers: Record<string, string | string[] | undefined>;
	query?: Record<string, unknown>;
}

export type DashboardPage = 'dashboard' | 'signals' | 'metrics' | 'csv';

export function requestPath(req: DashboardRequest): string {
	return (req.path ?? req.url ?? '').split('?')[0]!;
}

/** Which page a GET asks for, by the end of its path. */
export function pageOf(path: string): DashboardPage {
	if (path.endsWith('/signals.json')) return 'signals';
	if (path.endsWith('/metrics')) return 'metrics';
	if (path.endsWith('/contacts.csv')) return 'csv';
	return 'dashboard';
}

/** The dashboard's own path: the request's, without a page's ending. */
export function dashboardPathOf(path: string): string {
	return path.replace(/\/(signals\.json|metrics|contacts\.csv)$/, '');
}

export function header(req: DashboardRequest, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}
