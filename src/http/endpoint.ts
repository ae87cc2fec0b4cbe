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
  /** Largest body accepted, in bytes; larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Whose error shapes the route answers in: X's v2 problems (the default) or v1.1's `{errors:[{code,message}]}`. */
  readonly dialect?: WireDialect;
  readonly handler: (call: EndpointCall) => Promise<EndpointResult | void>;
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
  readonly body: unknown;
}

export type WireDialect = 'v2' | 'v1.1';

export function defineEndpoint(endpoint: Endpoint): Endpoint {
  return endpoint;
}
