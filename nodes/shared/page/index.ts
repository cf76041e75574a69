/**
 * The page kit: what every page the pack serves from n8n shares — escaping, the strict security
 * headers, the HTML shell, the credential check, and answering (or streaming) from a webhook.
 */
export { basicCredentials, checkPageAccess, pageAuthenticationProperty, sameSecret, type PageAccess, type PageAuthentication } from './access';
export { escapeHtml, svgNumber } from './escape';
export { newNonce, pageSecurityHeaders, PRIVATE_RESPONSE_HEADERS } from './headers';
export { BASE_CSS, renderMessagePage, renderPage, type PageOptions, type RenderedPage } from './layout';
export { sendPage, sendText, streamText, type PageResponse } from './response';
export { checkThrottledPageAccess, clientAddress } from './throttle';
export { isCrossSite } from './origin';
export { serveActionPage, type ActionPage } from './actionPage';
