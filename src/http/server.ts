import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { ENDPOINTS } from '../api/index.js';
import { authorize } from '../auth/authenticate.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { JSON_CONTENT_TYPE, jsonBuffer, PROBLEMS, ProblemError } from '../wire/problems.js';
import { rateLimitHeaders } from '../wire/rate-limit-headers.js';
import { registerBodyParsers } from './body-parsers.js';
import type { Endpoint } from './endpoint.js';
import { createClientErrorHandler, createErrorHandler, sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Bodies larger than this get 413 unless an endpoint sets its own limit. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Builds the Fastify app for a context: body parsing, errors, auth and rate limits, and every endpoint. */
export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: ctx.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    logController: new LogController({ disableRequestLogging: !ctx.config.accessLog }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: createClientErrorHandler(ctx),
    // A URL that cannot be decoded is a client error in X's shape, never a crash.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      void reply
        .code(400)
        .type(JSON_CONTENT_TYPE)
        .send(ctx.problems.invalidRequest([{ parameters: {}, message: error.message }]));
    },
  });

  registerBodyParsers(app);
  await app.register(multipart, {
    // twitter-api-v2 sends `media` without a filename; busboy would read such a part as text.
    isPartAFile: (fieldName, _contentType, fileName) => fieldName === 'media' || fileName !== undefined,
    limits: { fields: 50, fieldSize: 64 * 1024, files: 1, parts: 60 },
  });

  app.decorateRequest('principal', null);
  app.setErrorHandler(createErrorHandler(ctx));
  app.setNotFoundHandler((_request, reply) => sendProblem(ctx, reply, new ProblemError(PROBLEMS.NOT_FOUND)));

  for (const endpoint of ENDPOINTS) registerEndpoint(app, ctx, endpoint);
  return app;
}

function registerEndpoint(app: FastifyInstance, ctx: AppContext, endpoint: Endpoint): void {
  app.route({
    method: endpoint.method,
    url: endpoint.url,
    bodyLimit: endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Auth and rate limit run before the body is read: an unauthorized 10 MB body is never parsed.
    onRequest: endpoint.auth.context === 'none' ? undefined : async (request, reply) => guard(ctx, endpoint, request, reply),
    handler: async (request, reply) => {
      const result = await endpoint.handler({ ctx, request, reply, principal: request.principal });
      if (result === undefined || reply.sent) return reply;
      return reply
        .code(result.status ?? 200)
        .type(JSON_CONTENT_TYPE)
        .send(jsonBuffer(result.body));
    },
  });
}

/**
 * X's order: an unknown caller is 401; a known caller is counted against the rate limit and gets the
 * headers whatever happens next; then 429, then the 403s for the wrong kind of token or a missing scope.
 */
async function guard(
  ctx: AppContext,
  endpoint: Endpoint,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const now = ctx.now();
  const principal = await ctx.authenticator.authenticate(request.headers.authorization, now);
  if (endpoint.rateLimit && ctx.rateLimiter.enabled) {
    const outcome = await ctx.rateLimiter.check(endpoint.rateLimit, principal, now);
    reply.headers(rateLimitHeaders(outcome));
    if (!outcome.allowed) throw new ProblemError(PROBLEMS.TOO_MANY_REQUESTS);
  }
  authorize(principal, endpoint.auth);
  request.principal = principal;
}
