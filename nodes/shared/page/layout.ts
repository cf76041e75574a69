import { escapeHtml } from './escape';
import { newNonce, pageSecurityHeaders } from './headers';

/**
 * The shell every page of the pack shares: a self-contained HTML document (no script, no font or
 * stylesheet from elsewhere) with one nonce'd <style>, readable on a phone.
 */

export interface RenderedPage {
	html: string;
	headers: Record<string, string>;
}

export interface PageOptions {
	title: string;
	/** HTML of the <main> element; every value in it already escaped. */
	body: string;
	/** CSS for this page, after the shared base. */
	css?: string;
	/** Reload the page every this many seconds (a meta refresh: no script needed). */
	refreshSeconds?: number;
	/** Extra origins forms may post to (n8n itself is always allowed). */
	formActions?: string[];
	/** Class of <main>, e.g. "wide" for dashboards. */
	mainClass?: string;
}

/** Base styles: system fonts, readable widths, visible focus. */
export const BASE_CSS = `
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f5;color:#1d2521}
main{max-width:34rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
main.wide{max-width:72rem;background:none;box-shadow:none;padding:1rem}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
a{color:#1f5a8a}
a:focus,button:focus{outline:3px solid #f2b134;outline-offset:2px}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;background:#eef1ee;padding:0 .25em;border-radius:4px}
`;

export function renderPage(options: PageOptions): RenderedPage {
	const nonce = newNonce();
	const refresh = options.refreshSeconds && options.refreshSeconds > 0 ? `\n<meta http-equiv="refresh" content="${Math.round(options.refreshSeconds)}">` : '';
	const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">${refresh}
<title>${escapeHtml(options.title)}</title>
<style nonce="${nonce}">${BASE_CSS}${options.css ?? ''}</style>
</head>
<body>
<main${options.mainClass ? ` class="${escapeHtml(options.mainClass)}"` : ''}>
${options.body}
</main>
</body>
</html>`;
	return { html, headers: pageSecurityHeaders({ nonce, formActions: options.formActions }) };
}

/** A short page with a heading and paragraphs of plain text (errors, "locked", "sign in"). */
export function renderMessagePage(title: string, paragraphs: string[]): RenderedPage {
	return renderPage({ title, body: `<h1>${escapeHtml(title)}</h1>\n${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}` });
}
