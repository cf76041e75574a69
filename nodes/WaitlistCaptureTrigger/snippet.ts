/**
 * The landing-page snippet (`GET …/snippet.js`). It keeps campaign parameters with the signup even
 * when the visitor browses on or a redirect drops the query string:
 *  - reads utm_* and click ids from the page URL into hidden fields of every
 *    `<form data-waitlist-ledger>` (adding them when missing);
 *  - remembers them in a first-party cookie, but only as the consent mode allows — `always`,
 *    `checkbox` (once the named checkbox is ticked), `cmp` (after the page calls
 *    `window.waitlistLedger.grantConsent()` or dispatches `waitlist-ledger:consent`), `never`;
 *    without consent nothing is written to the browser;
 *  - on submit, fills fields still empty from the cookie, and stamps the time the page was shown;
 *  - with a CAPTCHA site key set on the trigger, adds the widget (and its script) to each form without one.
 * Plain ES5, no dependencies, so it runs on any landing page.
 */

export interface SnippetConfig {
	keys: readonly string[];
	cookieName: string;
	cookieDays: number;
	consentMode: 'always' | 'checkbox' | 'cmp' | 'never';
	consentCheckbox: string;
	/** The CAPTCHA widget to add to each form that has none (provider's script, class and site key), or null. */
	captcha: { script: string; className: string; siteKey: string } | null;
}

/** The browser script, as text; `__CONFIG__` is where renderSnippet puts the trigger's settings. */
const SNIPPET_SOURCE = `/* n8n-nodes-waitlist-ledger landing-page snippet */
(function () {
  'use strict';
  var CONFIG = __CONFIG__;
  var script = document.currentScript;
  if (script) {
    if (script.getAttribute('data-consent')) CONFIG.consentMode = script.getAttribute('data-consent');
    if (script.getAttribute('data-consent-checkbox')) CONFIG.consentCheckbox = script.getAttribute('data-consent-checkbox');
    if (script.getAttribute('data-cookie-days')) CONFIG.cookieDays = Number(script.getAttribute('data-cookie-days')) || CONFIG.cookieDays;
  }
  var shownAt = Date.now();
  var fromUrl = {};
  var query = new URLSearchParams(window.location.search);
  var found = false;
  CONFIG.keys.forEach(function (key) {
    var value = query.get(key);
    if (value) { fromUrl[key] = value.slice(0, 500); found = true; }
  });
  var consentGiven = CONFIG.consentMode === 'always';

  function readCookie() {
    var parts = document.cookie ? document.cookie.split('; ') : [];
    for (var i = 0; i < parts.length; i++) {
      var eq = parts[i].indexOf('=');
      if (parts[i].slice(0, eq) === CONFIG.cookieName) {
        try { return JSON.parse(decodeURIComponent(parts[i].slice(eq + 1))) || {}; } catch (e) { return {}; }
      }
    }
    return {};
  }
  function writeCookie() {
    if (!consentGiven || !found || CONFIG.consentMode === 'never') return;
    var merged = readCookie();
    for (var key in fromUrl) merged[key] = fromUrl[key];
    var secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = CONFIG.cookieName + '=' + encodeURIComponent(JSON.stringify(merged)) +
      '; Max-Age=' + Math.round(CONFIG.cookieDays * 86400) + '; Path=/; SameSite=Lax' + secure;
  }
  function grantConsent() { consentGiven = CONFIG.consentMode !== 'never'; writeCookie(); }

  function field(form, name) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    return input;
  }
  var captchaLoaded = false;
  function addCaptcha(form) {
    if (!CONFIG.captcha || form.querySelector('.' + CONFIG.captcha.className)) return;
    var box = document.createElement('div');
    box.className = CONFIG.captcha.className;
    box.setAttribute('data-sitekey', CONFIG.captcha.siteKey);
    var button = form.querySelector('[type="submit"]');
    if (button) form.insertBefore(box, button); else form.appendChild(box);
    if (captchaLoaded) return;
    captchaLoaded = true;
    var tag = document.createElement('script');
    tag.src = CONFIG.captcha.script;
    tag.async = true;
    tag.defer = true;
    document.head.appendChild(tag);
  }
  function prepare(form) {
    addCaptcha(form);
    CONFIG.keys.forEach(function (key) { if (fromUrl[key] && !field(form, key).value) field(form, key).value = fromUrl[key]; });
    if (CONFIG.consentMode === 'checkbox') {
      var box = form.querySelector('input[name="' + CONFIG.consentCheckbox + '"]');
      if (box) box.addEventListener('change', function () { if (box.checked) grantConsent(); });
    }
    form.addEventListener('submit', function () {
      if (CONFIG.consentMode === 'checkbox') {
        var box = form.querySelector('input[name="' + CONFIG.consentCheckbox + '"]');
        if (box && box.checked) grantConsent();
      }
      var remembered = readCookie();
      CONFIG.keys.forEach(function (key) {
        var input = field(form, key);
        if (!input.value && remembered[key]) input.value = remembered[key];
      });
      if (!field(form, 'landing_url').value) field(form, 'landing_url').value = window.location.href.slice(0, 1000);
      if (!field(form, 'referrer').value && document.referrer) field(form, 'referrer').value = document.referrer.slice(0, 1000);
      field(form, 'wl_ts').value = String(shownAt);
    });
  }
  window.waitlistLedger = { grantConsent: grantConsent };
  window.addEventListener('waitlist-ledger:consent', grantConsent);
  if (window.waitlistLedgerConsent === true && CONFIG.consentMode === 'cmp') consentGiven = true;
  writeCookie();
  function init() {
    var forms = document.querySelectorAll('form[data-waitlist-ledger]');
    for (var i = 0; i < forms.length; i++) prepare(forms[i]);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
`;

export function renderSnippet(config: SnippetConfig): string {
	// A function, not a string, as the replacement: JSON may hold `$&`-like sequences.
	return SNIPPET_SOURCE.replace('__CONFIG__', () => JSON.stringify(config));
}
