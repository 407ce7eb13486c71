// The renderer's Content-Security-Policy, named once for every place that serves the renderer
// (the Electron session's response headers and the loopback web host). The first part must stay
// identical to the <meta> tag in src/renderer/index.html (test/web/csp.test.ts compares them);
// frame-ancestors only works as a header, so it is added here. img-src: the page's own files and
// the blob: URLs it makes itself from image bytes the session handed it (images shared in the
// room, lib/files); nothing from the network. A room's guest page shows them from its own origin.
export const RENDERER_META_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; font-src 'self'; connect-src 'self' ws://127.0.0.1:* ; base-uri 'none'; form-action 'none'"
export const RENDERER_CSP = `${RENDERER_META_CSP}; frame-ancestors 'none'`

/** Headers every renderer response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // The page is never meant to be framed; CSP frame-ancestors says the same to newer browsers.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin'
})
