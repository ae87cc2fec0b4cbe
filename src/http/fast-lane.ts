import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { JSON_CONTENT_TYPE, jsonBuffer } from '../wire/problems.js';
import type { HeaderSink } from '../wire/rate-limit-headers.js';
import { parseJsonBody } from './body-parsers.js';
import { bodyUnread } from './connections.js';
import { DEFAULT_BODY_LIMIT, type Endpoint, type EndpointResult, type PlainEndpoint, type PlainRequest } from './endpoint.js';
import { answerError } from './errors.js';
import { admitNow } from './guard.js';
import { parseQueryString } from './query-string.js';

/**
 * Answers the requests every client sends most (metadata writes and lookups: the `PlainEndpoint`s) on
 * node:http, before Fastify sees them. Fastify's routing, request and reply objects, hooks and reply pipeline
 * cost about a ninth of such a request's CPU (docs/PERFORMANCE.md, third pass); the lane runs the same guard, body parser,
 * handler and error mapping as the Fastify route, and writes the same bytes, headers in the same order
 * (test/fast-lane.test.ts compares them, listed and generated requests, against a server without the lane).
 *
 * It takes a request only when everything about it is ordinary: its path matches an endpoint's `fastPath`,
 * a JSON body (content type `application/json`, optionally with `charset=utf-8`) with a Content-Length within
 * the route's limit or no body at all, a bearer token the store knows at once, counters at hand. Anything
 * else (percent-encoded paths, chunked or oversized bodies, other content types, OAuth 1.0a, unknown or
 * expired tokens, PostgreSQL and Redis, a server shutting down, the access log on) returns false before
 * anything has been read or counted, and Fastify answers it as it always has.
 */
export interface FastLane {
  /** Answers the request and returns true, or returns false having read and counted nothing. */
  take(request: IncomingMessage, response: ServerResponse): boolean;
  /** Requests taken so far (tests check that the lane is used). */
  readonly taken: number;
}

export interface FastLaneOptions {
  readonly ctx: AppContext;
  readonly endpoints: readonly Endpoint[];
  /** True once the server has begun to shut down: Fastify then answers 503. */
  readonly draining: () => boolean;
  /** Where a bug (an unexpected error, answered 500) is logged. */
  readonly log: () => FastifyBaseLogger;
}

/** The JSON content types clients send; any other spelling goes through Fastify's parser lookup. */
const JSON_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);

const NO_BODY = Buffer.alloc(0);

export function createFastLane(options: FastLaneOptions): FastLane {
  const { ctx, draining } = options;
  const routes = options.endpoints.filter((endpoint): endpoint is PlainEndpoint => endpoint.fastPath !== undefined);

  const lane = { taken: 0, take };
  return lane;

  function take(request: IncomingMessage, response: ServerResponse): boolean {
    if (draining()) return false;
    const url = request.url ?? '';
    // Where find-my-way ends the path: at the first `?` or `#`.
    let end = url.indexOf('?');
    const hash = url.indexOf('#');
    if (hash !== -1 && (end === -1 || hash < end)) end = hash;
    const path = end === -1 ? url : url.slice(0, end);
    for (const endpoint of routes) {
      if (endpoint.method !== request.method) continue;
      const match = endpoint.fastPath.exec(path);
      if (match === null) continue;
      const queryText = end === -1 ? '' : url.slice(end + 1);
      return serve(endpoint, request, response, match.groups ?? {}, queryText);
    }
    return false;
  }

  function serve(endpoint: PlainEndpoint, request: IncomingMessage, response: ServerResponse, params: object, queryText: string): boolean {
    const headers = request.headers;
    const length = headers['content-length'];
    if (headers['transfer-encoding'] !== undefined) return false;
    if (endpoint.method === 'POST') {
      if (length === undefined || Number(length) > (endpoint.bodyLimit ?? DEFAULT_BODY_LIMIT)) return false;
      const type = headers['content-type'];
      if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return false;
    } else if (length !== undefined && length !== '0') {
      return false;
    }

    const now = ctx.now();
    let principal: Principal | undefined;
    try {
      principal = ctx.authenticator.authenticateNow(headers.authorization, now, request.socket);
    } catch {
      return false; // 401: Fastify answers it
    }
    if (principal === undefined) return false;
    const answer = new Answer(ctx, request, response, options);
    let admitted: boolean;
    try {
      admitted = admitNow(ctx, endpoint, principal, now, answer);
    } catch (error) {
      lane.taken++;
      answer.error(error); // 429, 403: counted, so answered here
      return true;
    }
    if (!admitted) return false;
    lane.taken++;

    const query = parseQueryString(queryText);
    if (endpoint.method !== 'POST') {
      run(endpoint, { body: undefined, query, params }, principal, answer);
      return true;
    }
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    request.on('data', (chunk: Buffer) => {
      if (first === undefined) first = chunk;
      else (more ??= [first]).push(chunk);
    });
    request.on('end', () => {
      const raw = more ? Buffer.concat(more) : (first ?? NO_BODY);
      let body: unknown;
      try {
        body = parseJsonBody(raw, ctx.config.jsonMaxValues);
      } catch (error) {
        // As Fastify does when a body parser fails: the client may send more, so the connection closes.
        answer.closeConnection();
        answer.error(error);
        return;
      }
      run(endpoint, { body, query, params }, principal, answer);
    });
    // A client gone mid-body: nothing to answer.
    request.on('error', () => undefined);
    return true;
  }

  function run(endpoint: PlainEndpoint, request: PlainRequest, principal: Principal, answer: Answer): void {
    let result: Promise<EndpointResult> | EndpointResult;
    try {
      result = endpoint.handler({ ctx, request, principal });
    } catch (error) {
      answer.error(error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (settled) => answer.result(settled),
        (error: unknown) => answer.error(error),
      );
    } else {
      answer.result(result);
    }
  }
}

/**
 * One answer, its headers collected in the order Fastify writes them: the rate-limit headers (set by the
 * guard), `connection` when a body parser failed, the content type, `connection` when shutting down or when
 * part of the body is unread, the content length. Node adds Date and keep-alive as for Fastify's answers.
 */
class Answer implements HeaderSink {
  private readonly headers: string[] = [];
  private closing = false;

  constructor(
    private readonly ctx: AppContext,
    private readonly request: IncomingMessage,
    private readonly response: ServerResponse,
    private readonly options: FastLaneOptions,
  ) {}

  header(name: string, value: string): void {
    this.headers.push(name, value);
  }

  closeConnection(): void {
    this.header('connection', 'close');
    this.closing = true;
  }

  result(result: EndpointResult): void {
    if (result.headers) for (const [name, value] of Object.entries(result.headers)) this.header(name.toLowerCase(), value);
    const body = result.serialize ? result.serialize(result.body) : jsonBuffer(result.body);
    this.send(result.status ?? 200, JSON_CONTENT_TYPE, body);
  }

  error(error: unknown): void {
    const answer = answerError(this.ctx, error, (bug) =>
      this.options.log().error({ err: bug, method: this.request.method, url: this.request.url }, 'unhandled error'),
    );
    this.send(answer.status, answer.contentType, answer.body);
  }

  private send(status: number, contentType: string, body: string | Buffer): void {
    this.header('content-type', contentType);
    if (!this.closing && (this.options.draining() || bodyUnread(this.request))) this.closeConnection();
    this.header('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
    this.response.writeHead(status, this.headers);
    this.response.end(body);
  }
}
