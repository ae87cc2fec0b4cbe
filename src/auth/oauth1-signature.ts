import { createHmac } from 'node:crypto';

/**
 * RFC 5849 (OAuth 1.0) signatures, HMAC-SHA1 only, as X requires. Hand-written: the well-known packages
 * (oauth-1.0a, oauth-sign) are client-side signers that take a URL and a parameter object, while a verifier
 * must build the base string from the request exactly as received (raw path, repeated parameters); and the
 * tests sign with oauth-1.0a, which would make them circular if the server verified with it too.
 */

/** RFC 5849 §3.6: RFC 3986 unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type Parameter = readonly [name: string, value: string];

/** The parameters of an `Authorization: OAuth ...` header (RFC 5849 §3.5.1), or null when it is malformed. */
export function parseOAuthHeader(value: string): Map<string, string> | null {
  if (!/^oauth\s/i.test(value)) return null;
  const params = new Map<string, string>();
  const body = value.slice(6).trim();
  if (body === '') return params;
  for (const item of body.split(',')) {
    const match = /^\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*$/.exec(item);
    if (!match) return null;
    let name: string;
    let decoded: string;
    try {
      name = decodeURIComponent(match[1]!);
      decoded = decodeURIComponent(match[2]!);
    } catch {
      return null;
    }
    if (params.has(name)) return null;
    params.set(name, decoded);
  }
  return params;
}

/** `scheme://host[:port]`, lower case, without the default port (RFC 5849 §3.4.1.2). */
export function normalizeOrigin(origin: string): string {
  const url = new URL(origin);
  const defaultPort = (url.protocol === 'http:' && url.port === '80') || (url.protocol === 'https:' && url.port === '443');
  return `${url.protocol}//${url.hostname}${url.port === '' || defaultPort ? '' : `:${url.port}`}`.toLowerCase();
}

/** RFC 5849 §3.4.1: METHOD&encoded-base-URI&encoded-normalized-parameters. */
export function signatureBaseString(method: string, baseUri: string, params: readonly Parameter[]): string {
  const normalized = params
    .map(([name, value]) => [percentEncode(name), percentEncode(value)] as const)
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return `${method.toUpperCase()}&${percentEncode(baseUri)}&${percentEncode(normalized)}`;
}

/** RFC 5849 §3.4.2: base64 of HMAC-SHA1 keyed with encoded consumer secret & encoded token secret. */
export function hmacSha1Signature(baseString: string, consumerSecret: string, tokenSecret: string): string {
  return createHmac('sha1', `${percentEncode(consumerSecret)}&${percentEncode(tokenSecret)}`).update(baseString).digest('base64');
}
