import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthorizationRequestError } from '../../auth/oauth2/authorization-request.js';
import { redirectWith } from '../../auth/oauth2/authorization-request.js';
import type { FrameworkEndpoint } from '../../http/endpoint.js';
import { errorPage, PAGE_HEADERS } from '../../wire/consent-page.js';
import { PROBLEMS, ProblemError } from '../../wire/problems.js';

/** X serves the consent page at both paths. */
const AUTHORIZE_PATHS = ['/i/oauth2/authorize', '/2/oauth2/authorize'] as const;

export function atAuthorizePaths(endpoint: Omit<FrameworkEndpoint, 'url'>): FrameworkEndpoint[] {
  return AUTHORIZE_PATHS.map((url) => ({ ...endpoint, url }));
}

/** The query string of the request as received. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const start = request.url.indexOf('?');
  return new URLSearchParams(start === -1 ? '' : request.url.slice(start + 1));
}

export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.code(status).headers(PAGE_HEADERS).send(html);
}

export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', location).send();
}

/** An authorization request that cannot go on: back to the client when its redirect URI is known, else shown. */
export function answerAuthorizationError(reply: FastifyReply, problem: AuthorizationRequestError): FastifyReply {
  if (problem.redirectUri === undefined) return sendPage(reply, 400, errorPage('This link does not work', problem.description));
  return seeOther(
    reply,
    redirectWith(problem.redirectUri, {
      error: problem.error,
      error_description: problem.description,
      ...(problem.state !== undefined && { state: problem.state }),
    }),
  );
}

/**
 * Token, revoke and invalidate endpoints: past the limit of failed calls per client address per minute, X's
 * 429 before anything is looked at. Wraps the handler so that both thrown errors and error results count.
 */
export function throttledTokenEndpoint(handler: FrameworkEndpoint['handler']): FrameworkEndpoint['handler'] {
  return async (call) => {
    const { ctx, request } = call;
    const now = ctx.now();
    const rules = [{ key: `oauth-token-failures:ip:${request.ip}`, limit: ctx.config.oauth.tokenFailuresPerMinute, windowSecs: 60 }];
    if (await ctx.throttle.isBlocked(rules, now)) throw new ProblemError(PROBLEMS.TOO_MANY_REQUESTS);
    try {
      const result = await handler(call);
      if (result && (result.status ?? 200) >= 400) await ctx.throttle.recordFailure(rules, now);
      return result;
    } catch (error) {
      await ctx.throttle.recordFailure(rules, now);
      throw error;
    }
  };
}
