/**
 * A post from another site is refused: the browser would send the saved password along (Basic Auth
 * is sent to the site whatever page made the request). Browsers mark every post with Sec-Fetch-Site
 * or Origin; a client sending neither (curl, a script) is not a browser a page could misuse.
 */
export function isCrossSite(headers: Record<string, string | string[] | undefined>): boolean {
	const get = (name: string) => {
		const value = headers[name];
		return Array.isArray(value) ? value[0] : value;
	};
	const fetchSite = get('sec-fetch-site');
	if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
	const origin = get('origin');
	if (origin === 'null') return true;
	const host = get('x-forwarded-host') ?? get('host');
	if (!origin || !host) return false;
	try {
		return new URL(origin).host !== host;
	} catch {
		return true;
	}
}
