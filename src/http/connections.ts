import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionLimits } from '../config.js';

/**
 * The node:http server, with every slot a client can hold given back after a bounded time (hostile clients,
 * docs/RELIABILITY.md). The defaults and their reasons are in src/config.ts (ConnectionLimits); 0 turns a
 * timeout off. Created here rather than by Fastify so that the fast lane can see requests first.
 */
export function createHttpServer(limits: ConnectionLimits, listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingInterval(limits),
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.setTimeout(limits.connectionIdleTimeoutMs);
  if (limits.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  return server;
}

/**
 * Node checks the headers and request timeouts of open connections on a timer (every 30 s by default, so a
 * 10 s headers timeout could take 40 s to fire): check four times per shortest timeout, at most once a second.
 */
function connectionsCheckingInterval(limits: ConnectionLimits): number {
  const timeouts = [limits.headersTimeoutMs, limits.requestTimeoutMs].filter((ms) => ms > 0);
  if (timeouts.length === 0) return 30_000;
  return Math.max(10, Math.min(1_000, Math.floor(Math.min(...timeouts) / 4)));
}

/**
 * Whether part of the request's body is still unread: an answer sent then closes the connection, or Node
 * would read the rest of the body (however large) to throw it away. Not `!complete` alone: a request without
 * a body that is answered synchronously (the lookups) is answered before Node's parser has marked it
 * complete, in the same turn as its headers, and closing its connection would make every keep-alive client
 * reconnect per request.
 */
export function bodyUnread(request: IncomingMessage): boolean {
  if (request.complete) return false;
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The response in flight on a connection, if any: Node's own `_httpMessage` (its default clientError handler
 * reads it too), for the handlers that see only the socket (timeouts, client errors, a body cut off).
 */
export function responseOf(socket: Socket | null): ServerResponse | undefined {
  return (socket as (Socket & { _httpMessage?: ServerResponse | null }) | null)?._httpMessage ?? undefined;
}
