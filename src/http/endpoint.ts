import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthRequirement, Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { RateLimitedEndpoint } from '../domain/rate-limits.js';

/**
 * One API method, declared in one file: its route, who may call it, which rate limit it counts against,
 * which body it reads, and its handler. src/http/server.ts turns these into Fastify routes; the hot ones
 * (`PlainEndpoint`s) are also answered by src/http/fast-lane.ts without Fastify.
 */
export type Endpoint = FrameworkEndpoint | PlainEndpoint;

/** Bodies larger than this get 413 unless an endpoint sets its own limit. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

interface EndpointBase {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly auth: AuthRequirement;
  readonly rateLimit?: RateLimitedEndpoint;
  /** Largest body accepted, in bytes (DEFAULT_BODY_LIMIT if absent); larger bodies get 413. */
  readonly bodyLimit?: number;
}

/** An endpoint whose handler may use anything Fastify offers (multipart parts, cookies, the reply). */
export interface FrameworkEndpoint extends EndpointBase {
  /**
   * Fastify plugins the route needs: multipart bodies (request.parts), cookies (request.unsignCookie,
   * reply.setCookie). Registered only around the routes that name them, since each adds per-request hooks.
   */
  readonly uses?: { readonly multipart?: true; readonly cookies?: true };
  /** May answer synchronously (no promise) when it can. */
  readonly handler: (call: EndpointCall) => Promise<EndpointResult | void> | EndpointResult | void;
  /**
   * For endpoints outside X's v2 error shape (the OAuth endpoints): the answer to an error thrown anywhere in
   * the route, body parsing included; undefined leaves it to the shared error handler.
   */
  readonly formatError?: (error: unknown) => EndpointResult | undefined;
  readonly fastPath?: undefined;
}

/**
 * An endpoint whose handler reads nothing of the request but its parsed JSON body, query and path
 * parameters, and answers with a result: the two routes every client calls most (a metadata write, a lookup
 * by key). Besides its Fastify route, the fast lane answers the requests whose path matches `fastPath` on
 * node:http directly, with the same bytes (test/fast-lane.test.ts compares them).
 */
export interface PlainEndpoint extends EndpointBase {
  readonly handler: (call: PlainCall) => Promise<EndpointResult> | EndpointResult;
  /**
   * The paths the fast lane takes, a subset of what `url` routes (named groups are the path parameters);
   * any other path, percent-encoded or not, goes through Fastify.
   */
  readonly fastPath: RegExp;
  readonly uses?: undefined;
  readonly formatError?: undefined;
}

/** What a plain handler reads of a request (a FastifyRequest is one). */
export interface PlainRequest {
  /** A JsonBody for a JSON body (src/http/body-parsers.ts); anything else for other bodies. */
  readonly body: unknown;
  readonly query: unknown;
  readonly params: unknown;
}

export interface PlainCall {
  readonly ctx: AppContext;
  readonly request: PlainRequest;
  /** Set for every endpoint whose auth is not 'none'. */
  readonly principal: Principal | null;
}

export interface EndpointCall extends PlainCall {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** A JSON success body; the handler may instead answer through `reply` itself. */
export interface EndpointResult {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Writes `body` as JSON, byte for byte as JSON.stringify would (a compiled serializer); JSON.stringify if absent. */
  readonly serialize?: (body: unknown) => string;
}

export function defineEndpoint(endpoint: FrameworkEndpoint): FrameworkEndpoint {
  return endpoint;
}

export function definePlainEndpoint(endpoint: PlainEndpoint): PlainEndpoint {
  return endpoint;
}
