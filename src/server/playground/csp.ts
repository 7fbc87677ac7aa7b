/**
 * The Content-Security-Policy for the playground page and its assets. Only
 * our own origin may supply scripts, styles and the GraphQL connection, so a
 * page that loads no CDN code cannot be made to load any either.
 */

/**
 * - script-src 'self': the bootstrap is a served file, not an inline script,
 *   so no 'unsafe-inline' is needed for scripts.
 * - style-src 'unsafe-inline': GraphiQL's components (emotion, CodeMirror)
 *   insert <style> elements at run time.
 * - font-src/img-src data:: graphiql.min.css embeds its fonts and a few icons
 *   as data: URLs (no network involved).
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every playground response carries, page and assets alike. */
export const PLAYGROUND_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PLAYGROUND_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
