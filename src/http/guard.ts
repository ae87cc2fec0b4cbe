import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { RateLimitOutcome } from '../ratelimit/rate-limiter.js';
import { PROBLEMS, ProblemError } from '../wire/problems.js';
import { setRateLimitHeaders, type HeaderSink } from '../wire/rate-limit-headers.js';
import { parseFormBytes } from './body-parsers.js';
import type { Endpoint } from './endpoint.js';

/**
 * Who may call an endpoint, in X's order: an unknown caller is 401; a known caller is counted against the
 * rate limit and gets the headers whatever happens next; then 429, then the 403s for the wrong kind of token
 * or a missing scope.
 *
 * Synchronous (returns undefined, throws X's errors) when the token and the counters are at hand: the
 * embedded store and in-memory counters. Otherwise (PostgreSQL, Redis, OAuth 1.0a) it goes on asynchronously
 * from where it had to stop, and returns the promise of the rest. Sets `request.principal`.
 */
export function guard(ctx: AppContext, endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined {
  const now = ctx.now();
  const principal = ctx.authenticator.authenticateNow(request.headers.authorization, now, request.raw.socket);
  if (principal === undefined) return guardAsync(ctx, endpoint, request, reply, now);
  if (!admitNow(ctx, endpoint, principal, now, reply)) return countAndAuthorize(ctx, endpoint, request, reply, principal, now);
  request.principal = principal;
  return undefined;
}

/**
 * The rest of the guard for a caller already authenticated at once: counts the request and authorizes it,
 * setting the rate-limit headers on `headers`, or returns false, having counted nothing, when the counters
 * are not at hand. Throws 429 and the 403s.
 */
export function admitNow(ctx: AppContext, endpoint: Endpoint, principal: Principal, now: number, headers: HeaderSink): boolean {
  if (endpoint.rateLimit && ctx.rateLimiter.enabled) {
    const outcome = ctx.rateLimiter.checkNow(endpoint.rateLimit, principal, now);
    if (outcome === undefined) return false;
    admit(headers, outcome);
  }
  authorize(principal, endpoint.auth);
  return true;
}

async function guardAsync(ctx: AppContext, endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply, now: number): Promise<void> {
  const principal = await ctx.authenticator.authenticate(request.headers.authorization, now, () => ({
    method: request.method,
    url: request.url,
    origin: `${request.protocol}://${request.host}`,
    form: formParameters(request),
  }));
  await countAndAuthorize(ctx, endpoint, request, reply, principal, now);
}

async function countAndAuthorize(
  ctx: AppContext,
  endpoint: Endpoint,
  request: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
  now: number,
): Promise<void> {
  if (endpoint.rateLimit && ctx.rateLimiter.enabled) admit(reply, await ctx.rateLimiter.check(endpoint.rateLimit, principal, now));
  authorize(principal, endpoint.auth);
  request.principal = principal;
}

/** The rate-limit headers, whatever happens next; then 429 if over a limit. */
function admit(headers: HeaderSink, outcome: RateLimitOutcome): void {
  setRateLimitHeaders(headers, outcome);
  if (!outcome.allowed) throw new ProblemError(PROBLEMS.TOO_MANY_REQUESTS);
}

/**
 * An OAuth 1.0a request with a form body: its signature covers the body's parameters, so it is guarded once
 * the body has been read (within the route's body limit), just before the handler.
 */
export function signsFormBody(request: FastifyRequest): boolean {
  const authorization = request.headers.authorization;
  return (
    authorization !== undefined &&
    /^oauth\s/i.test(authorization) &&
    /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '')
  );
}

/** The form parameters of an OAuth 1.0a request whose body has been read. */
function formParameters(request: FastifyRequest): URLSearchParams | undefined {
  if (!signsFormBody(request) || !Buffer.isBuffer(request.body)) return undefined;
  return parseFormBytes(request.body);
}
