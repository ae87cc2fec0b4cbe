import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthRequirement, Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import type { RateLimitedEndpoint } from '../domain/rate-limits.js';

/**
 * One API method, declared in one file: its route, who may call it, which rate limit it counts against,
 * which body it reads, and its handler. src/http/server.ts turns these into Fastify routes.
 */
export interface Endpoint {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly auth: AuthRequirement;
  readonly rateLimit?: RateLimitedEndpoint;
  /**
   * Fastify plugins the route needs: multipart bodies (request.parts), cookies (request.unsignCookie,
   * reply.setCookie). Registered only around the routes that name them, since each adds per-request hooks.
   */
  readonly uses?: { readonly multipart?: true; readonly cookies?: true };
  /** Largest body accepted, in bytes; larger bodies get 413. */
  readonly bodyLimit?: number;
  /** May answer synchronously (the media lookup does, when the store can answer at once). */
  readonly handler: (call: EndpointCall) => Promise<EndpointResult | void> | EndpointResult | void;
  /**
   * For endpoints outside X's v2 error shape (the OAuth endpoints): the answer to an error thrown anywhere in
   * the route, body parsing included; undefined leaves it to the shared error handler.
   */
  readonly formatError?: (error: unknown) => EndpointResult | undefined;
}

export interface EndpointCall {
  readonly ctx: AppContext;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  /** Set for every endpoint whose auth is not 'none'. */
  readonly principal: Principal | null;
}

/** A JSON success body; the handler may instead answer through `reply` itself. */
export interface EndpointResult {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: unknown;
  /** Writes `body` as JSON, byte for byte as JSON.stringify would (a compiled serializer); JSON.stringify if absent. */
  readonly serialize?: (body: unknown) => string;
}

export function defineEndpoint(endpoint: Endpoint): Endpoint {
  return endpoint;
}
