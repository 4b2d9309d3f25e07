// Side-effect free: the local gateway emulation imports it before any handler's environment exists.

/**
 * A JSON API: nothing in a response is meant to be rendered, framed, cached or sent along as a referrer. Every
 * handler response carries these, and so does every response the local gateway emulation makes itself.
 */
export const securityHeaders = {
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=31536000; includeSubDomains",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
} as const;
