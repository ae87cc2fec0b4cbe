import querystring from 'fast-querystring';

/**
 * The one query-string parser, for Fastify's router and the fast lane alike, so that a handler sees the same
 * query object whichever way its request came. find-my-way's own default, made explicit.
 */
export function parseQueryString(text: string): Record<string, string | string[]> {
  return text.length === 0 ? {} : (querystring.parse(text) as Record<string, string | string[]>);
}
