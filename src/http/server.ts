import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import { AUTH_ENDPOINTS, ENDPOINTS } from '../api/index.js';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { JSON_CONTENT_TYPE, jsonBuffer, PROBLEMS, ProblemError } from '../wire/problems.js';
import { FORM_MAX_FIELDS, registerBodyParsers } from './body-parsers.js';
import { bodyUnread, createHttpServer } from './connections.js';
import { DEFAULT_BODY_LIMIT, type Endpoint, type EndpointResult } from './endpoint.js';
import { createClientErrorHandler, createErrorHandler, createIdleTimeoutHandler, sendProblem } from './errors.js';
import { createFastLane, type FastLane } from './fast-lane.js';
import { guard, signsFormBody } from './guard.js';
import { parseQueryString } from './query-string.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** The hot routes' lane past Fastify, when on (src/http/fast-lane.ts). */
    fastLane: FastLane | undefined;
  }
}

/** Builds the Fastify app for a context: body parsing, errors, auth and rate limits, and every endpoint. */
export async function buildServer(ctx: AppContext): Promise<FastifyInstance> {
  const endpoints = [...ENDPOINTS, ...AUTH_ENDPOINTS];
  // Set by the preClose hook (closeConnectionsWhenDone): from then on every answer closes its connection.
  const shutdown = { draining: false };
  const fastLane: FastLane | undefined =
    ctx.config.fastLane && !ctx.config.accessLog
      ? createFastLane({ ctx, endpoints, draining: () => shutdown.draining, log: (): FastifyBaseLogger => app.log })
      : undefined;
  const app: FastifyInstance = Fastify({
    logger: {
      level: ctx.config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: {
        req: (request: FastifyRequest) => ({
          method: request.method,
          url: withoutSecrets(request.url),
          host: request.host,
          remoteAddress: request.ip,
        }),
      },
    },
    logController: new LogController({ disableRequestLogging: !ctx.config.accessLog }),
    // A child logger per request (to bind its id) costs a few percent of a request; without an access log the
    // few lines a request may log (errors) carry its method and URL anyway.
    ...(!ctx.config.accessLog && { childLoggerFactory: (logger: FastifyBaseLogger) => logger }),
    // The hot routes' requests go to the fast lane first (src/http/fast-lane.ts); what it does not take, to Fastify.
    serverFactory: (fastifyListener) =>
      createHttpServer(
        ctx.config.connections,
        fastLane ? (request, response) => fastLane.take(request, response) || fastifyListener(request, response) : fastifyListener,
      ),
    routerOptions: { querystringParser: parseQueryString },
    bodyLimit: DEFAULT_BODY_LIMIT,
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    // While draining, closeConnectionsWhenDone answers 503 in X's shape rather than Fastify's.
    return503OnClosing: false,
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

  app.decorate('fastLane', fastLane);
  app.server.on('timeout', createIdleTimeoutHandler(ctx));

  registerBodyParsers(app, ctx.config.jsonMaxValues);
  // A multipart body sent to a route that does not read multipart is left unread, as @fastify/multipart's own
  // parser leaves it (the route then answers X's content-type error); the routes that read multipart
  // replace this with @fastify/multipart below.
  app.addContentTypeParser('multipart/form-data', (_request, _payload, done) => done(null, undefined));

  app.decorateRequest('principal', null);
  closeConnectionsWhenDone(app, shutdown);
  app.setErrorHandler(createErrorHandler(ctx));
  app.setNotFoundHandler((_request, reply) => sendProblem(ctx, reply, new ProblemError(PROBLEMS.NOT_FOUND)));

  // @fastify/multipart adds an onRequest and an onResponse hook to every request of the context it is
  // registered in, @fastify/cookie an onSend hook: each is registered only in a context around the routes
  // that use it, so the others (metadata, lookups) do not pay for them.
  const both = endpoints.find((endpoint) => endpoint.uses?.multipart && endpoint.uses.cookies);
  if (both) throw new Error(`${both.url}: multipart and cookies in one route are not wired up`);
  for (const endpoint of endpoints) if (!endpoint.uses) registerEndpoint(app, ctx, endpoint);
  await app.register(async (scope) => {
    scope.removeContentTypeParser('multipart/form-data');
    await scope.register(multipart, {
      // twitter-api-v2 sends `media` without a filename; busboy would read such a part as text.
      // A part labelled JSON is taken as a file, never a field: the plugin would JSON.parse a field of that
      // type (up to the 20 MB field size, with no limit on what it parses into); xmedia reads no field as JSON.
      isPartAFile: (fieldName, contentType, fileName) =>
        fieldName === 'media' || fileName !== undefined || /^application\/(.+\+)?json/i.test(contentType ?? ''),
      limits: { fields: FORM_MAX_FIELDS, fieldSize: 64 * 1024, files: 1, parts: FORM_MAX_FIELDS + 10 },
    });
    for (const endpoint of endpoints) if (endpoint.uses?.multipart) registerEndpoint(scope, ctx, endpoint);
  });
  await app.register(async (scope) => {
    // Cookies are read only by the consent page, which parses them itself: no per-request hook (`hook: false`).
    await scope.register(cookie, { secret: ctx.keys.cookies, hook: false });
    for (const endpoint of endpoints) if (endpoint.uses?.cookies) registerEndpoint(scope, ctx, endpoint);
  });
  app.addHook('onReady', async () => ctx.sweeper.start(app.log));
  app.addHook('onClose', async () => ctx.sweeper.stop());
  return app;
}

/**
 * When an answer closes its connection rather than keeping it for another request:
 * - an answer sent before the request's body has been read in full (401 before a 1 GB upload, 413 on its
 *   Content-Length, 400 on a form's first part): otherwise Node would read the rest of the body to throw it
 *   away, however large;
 * - every answer once `app.close()` has started (graceful shutdown, docs/RELIABILITY.md): the listening socket
 *   is closed and idle connections too; requests under way go on to the end, a request that arrives after that
 *   on a connection already open is answered 503 in X's shape (v1.1's for v1.1 routes) without running, and
 *   `close()` resolves as soon as the last request under way has been answered.
 */
function closeConnectionsWhenDone(app: FastifyInstance, shutdown: { draining: boolean }): void {
  app.addHook('preClose', async () => {
    shutdown.draining = true;
  });
  // Callback hooks, not async ones: they run on every request, and cost next to nothing this way.
  app.addHook('onRequest', (_request, _reply, done) => {
    done(shutdown.draining ? new ProblemError(PROBLEMS.SHUTTING_DOWN) : undefined);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (shutdown.draining || bodyUnread(request.raw)) void reply.header('connection', 'close');
    done(null, payload);
  });
}

/** Query parameters that may carry credentials (invalidate_token takes `access_token` in the query). */
const SECRET_QUERY_PARAMETER = /([?&](?:access_token|token|refresh_token|code|code_verifier|client_secret|password)=)[^&]*/gi;

function withoutSecrets(url: string): string {
  return url.replace(SECRET_QUERY_PARAMETER, '$1[redacted]');
}

function registerEndpoint(app: FastifyInstance, ctx: AppContext, endpoint: Endpoint): void {
  const guarded = endpoint.auth.context !== 'none';
  app.route({
    method: endpoint.method,
    url: endpoint.url,
    bodyLimit: endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Auth and rate limit run before the body is read: an unauthorized 10 MB body is never parsed. The one
    // exception is an OAuth 1.0a request with a form body, whose signature covers the body's parameters: it
    // is guarded once the body has been read (within the route's body limit), just before the handler.
    // A callback hook rather than an async one: when the guard can decide at once (the embedded store's
    // tokens, counters in memory), the request goes on without a promise.
    onRequest: guarded
      ? (request, reply, done) => {
          if (signsFormBody(request)) return done();
          let pending: Promise<void> | undefined;
          try {
            pending = guard(ctx, endpoint, request, reply);
          } catch (error) {
            return done(error as Error);
          }
          if (pending === undefined) done();
          else pending.then(() => done(), done);
        }
      : undefined,
    errorHandler: endpoint.formatError && routeErrorHandler(ctx, endpoint.formatError),
    // Answers at once when the endpoint's handler does (no promise); otherwise when its promise settles.
    handler: (request, reply) => {
      if (guarded && request.principal === null) return guardThenHandle(ctx, endpoint, request, reply);
      const result = endpoint.handler({ ctx, request, reply, principal: request.principal });
      if (result instanceof Promise) return result.then((settled) => answer(reply, settled));
      answer(reply, result);
      return undefined;
    },
  });
}

/** The OAuth 1.0a form-body case: guarded once the body has been read. */
async function guardThenHandle(ctx: AppContext, endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  await guard(ctx, endpoint, request, reply);
  return answer(reply, await endpoint.handler({ ctx, request, reply, principal: request.principal }));
}

/** Sends a handler's result, unless the handler answered through `reply` itself. */
function answer(reply: FastifyReply, result: EndpointResult | void): FastifyReply {
  if (result === undefined || reply.sent) return reply;
  return send(reply, result);
}

/** Errors in the endpoint's own shape where it has one, in X's otherwise. */
function routeErrorHandler(ctx: AppContext, formatError: NonNullable<Endpoint['formatError']>) {
  const shared = createErrorHandler(ctx);
  return (error: Error, request: FastifyRequest, reply: FastifyReply): void => {
    const result = formatError(error);
    if (result === undefined) shared(error, request, reply);
    else void send(reply, result);
  };
}

function send(reply: FastifyReply, result: EndpointResult): FastifyReply {
  if (result.headers) reply.headers(result.headers);
  return reply
    .code(result.status ?? 200)
    .type(JSON_CONTENT_TYPE)
    .send(result.serialize ? result.serialize(result.body) : jsonBuffer(result.body));
}
