import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import { responseOf } from './connections.js';
import {
  BODY_MESSAGES,
  InvalidRequestError,
  JSON_CONTENT_TYPE,
  PROBLEM_CONTENT_TYPE,
  PROBLEMS,
  ProblemError,
} from '../wire/problems.js';
import { describeValue } from '../wire/validation.js';

/** Parameter names for domain fields outside the metadata shapes (which name `mediaId` themselves). */
const PARAMETER_NAMES: Readonly<Record<DomainError['field'], string>> = {
  mediaId: 'media_id',
  altText: 'alt_text.text',
  media: 'media',
  mediaType: 'media_type',
  mediaCategory: 'media_category',
  additionalOwners: 'additional_owners',
  totalBytes: 'total_bytes',
  segmentIndex: 'segment_index',
  subtitlesId: 'subtitles.id',
  languageCode: 'language_code',
};

/** A domain rule broken, reported as X's invalid-request, naming the parameter as the route spells it. */
export function domainToInvalidRequest(error: DomainError, parameterName = PARAMETER_NAMES[error.field]): InvalidRequestError {
  return InvalidRequestError.of(parameterName, [describeValue(error.value)], error.message);
}

/** What an error is answered with. */
export interface ErrorAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * The one place errors become answers: SPEC.md's bytes for every error xmedia means to answer; anything else
 * (a bug) is handed to `logBug` and answered with a 500 problem that reveals nothing.
 */
export function answerError(ctx: AppContext, error: unknown, logBug: (error: unknown) => void): ErrorAnswer {
  if (error instanceof DomainError) error = domainToInvalidRequest(error);
  if (error instanceof InvalidRequestError) return { status: 400, contentType: JSON_CONTENT_TYPE, body: ctx.problems.invalidRequest(error.errors) };
  if (error instanceof ProblemError) return problemAnswer(ctx, error);
  if ((error as Partial<FastifyError> | undefined)?.statusCode === 413) return problemAnswer(ctx, new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE));
  if (isFrameworkRefusal(error)) {
    return { status: 400, contentType: JSON_CONTENT_TYPE, body: ctx.problems.invalidRequest([{ parameters: {}, message: error.message }]) };
  }
  logBug(error);
  return problemAnswer(ctx, new ProblemError(PROBLEMS.INTERNAL));
}

/**
 * A request the framework refused before any handler ran (a bad Content-Length or Content-Type, a malformed
 * multipart body): a 4xx error of its own, not ours and not the 413 of a body over the limit. The client's
 * mistake, answered as an invalid request in the route's shape.
 */
export function isFrameworkRefusal(error: unknown): error is Error {
  const status = (error as Partial<FastifyError> | null | undefined)?.statusCode;
  return !(error instanceof ProblemError) && typeof status === 'number' && status >= 400 && status < 500 && status !== 413;
}

function problemAnswer(ctx: AppContext, error: ProblemError): ErrorAnswer {
  return { status: error.statusCode, contentType: PROBLEM_CONTENT_TYPE, body: ctx.problems.problem(error.problem, error.detailOverride) };
}

/** Fastify's error handler: `answerError`, bugs logged with the request. */
export function createErrorHandler(ctx: AppContext) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = answerError(ctx, error, (bug) => request.log.error({ err: bug }, 'unhandled error'));
    void reply.code(answer.status).type(answer.contentType).send(answer.body);
  };
}

export function sendProblem(ctx: AppContext, reply: FastifyReply, error: ProblemError): void {
  const answer = problemAnswer(ctx, error);
  void reply.code(answer.status).type(answer.contentType).send(answer.body);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (headers over the size limit, bytes that are
 * not HTTP), or that did not arrive within XMEDIA_HEADERS_TIMEOUT_MS / XMEDIA_REQUEST_TIMEOUT_MS, answered in
 * SPEC.md's shapes instead of Fastify's own body. Like Node's and Fastify's default handlers, it writes the
 * response (unless one has already begun on this connection) and closes the connection.
 */
export function createClientErrorHandler(ctx: AppContext) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const problem =
      error.code === 'HPE_HEADER_OVERFLOW' ? PROBLEMS.HEADERS_TOO_LARGE : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? PROBLEMS.REQUEST_TIMEOUT : undefined;
    const [status, contentType, body] = problem
      ? [problem.status, PROBLEM_CONTENT_TYPE, ctx.problems.problem(problem)]
      : [400, JSON_CONTENT_TYPE, ctx.problems.invalidRequest([{ parameters: {}, message: BODY_MESSAGES.NOT_HTTP }])];
    if (!responseStarted(socket)) writeAndClose(socket, status, contentType, body);
    socket.destroy(error);
  };
}

/**
 * A connection silent for XMEDIA_CONNECTION_IDLE_TIMEOUT_MS (Node's socket timeout) is closed. If it was
 * midway through sending a request (a body that stopped arriving), the client is told first: the same 408 as a
 * request over XMEDIA_REQUEST_TIMEOUT_MS. A connection that never sent anything, sits idle between requests,
 * or already has its answer on the way is just closed.
 */
export function createIdleTimeoutHandler(ctx: AppContext) {
  return (socket: Socket): void => {
    const response = responseOf(socket);
    if (response && !response.headersSent && !response.req.complete) {
      writeAndClose(socket, 408, PROBLEM_CONTENT_TYPE, ctx.problems.problem(PROBLEMS.REQUEST_TIMEOUT));
    }
    socket.destroy();
  };
}

function responseStarted(socket: Socket): boolean {
  return responseOf(socket)?.headersSent === true;
}

function writeAndClose(socket: Socket, status: number, contentType: string, body: Buffer | string): void {
  if (!socket.writable) return;
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${contentType}\r\nConnection: close\r\n\r\n`,
  );
  socket.write(body);
}
