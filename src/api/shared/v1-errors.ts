import type { FastifyError } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import type { EndpointResult } from '../../http/endpoint.js';
import { domainToInvalidRequest } from '../../http/errors.js';
import { InvalidRequestError, PROBLEMS, ProblemError } from '../../wire/problems.js';
import { invalidRequestToV1, problemToV1 } from '../../wire/v1.js';

/**
 * The v1.1 routes' `formatError`: every error xmedia means to answer, in v1.1's shape. Anything else (a bug)
 * is left to the shared handler, which logs it and answers 500.
 */
export function formatV1Error(error: unknown): EndpointResult | undefined {
  const v1 = toV1(error);
  return v1 && { status: v1.status, body: v1.body };
}

function toV1(error: unknown) {
  if (error instanceof DomainError) return invalidRequestToV1(domainToInvalidRequest(error));
  if (error instanceof InvalidRequestError) return invalidRequestToV1(error);
  if (error instanceof ProblemError) return problemToV1(error);
  const status = (error as FastifyError).statusCode;
  if (status === 413) return problemToV1(new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE));
  // Framework-level refusals (bad content length, malformed multipart, ...): an invalid request.
  if (status !== undefined && status >= 400 && status < 500) {
    return invalidRequestToV1(new InvalidRequestError([{ parameters: {}, message: (error as Error).message }]));
  }
  return undefined;
}
