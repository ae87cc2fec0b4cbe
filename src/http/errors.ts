import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { DomainError } from '../domain/errors.js';
import {
  InvalidRequestError,
  JSON_CONTENT_TYPE,
  PROBLEM_CONTENT_TYPE,
  PROBLEMS,
  ProblemError,
} from '../wire/problems.js';
import { invalidRequestToV1, problemToV1 } from '../wire/v1.js';
import { describeValue } from '../wire/validation.js';
import type { WireDialect } from './endpoint.js';

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

/**
 * The one place errors become responses. Every 4xx has SPEC.md's bytes (or v1.1's shape on v1.1 routes);
 * anything unexpected is logged and answered with a 500 that reveals nothing.
 */
export function createErrorHandler(ctx: AppContext) {
  return (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void => {
    const known = toKnownError(error);
    if (!known) request.log.error({ err: error }, 'unhandled error');
    const answer = known ?? new ProblemError(PROBLEMS.INTERNAL);
    if ((request.routeOptions.config as { dialect?: WireDialect }).dialect === 'v1.1') {
      const v1 = answer instanceof InvalidRequestError ? invalidRequestToV1(answer) : problemToV1(answer);
      void reply.code(v1.status).type(JSON_CONTENT_TYPE).send(v1.body);
    } else if (answer instanceof InvalidRequestError) {
      void reply.code(400).type(JSON_CONTENT_TYPE).send(ctx.problems.invalidRequest(answer.errors));
    } else {
      sendProblem(ctx, reply, answer);
    }
  };
}

/** The error as one of xmedia's answers, or undefined when it is a bug. */
function toKnownError(error: FastifyError | Error): InvalidRequestError | ProblemError | undefined {
  if (error instanceof DomainError) return domainToInvalidRequest(error);
  if (error instanceof InvalidRequestError || error instanceof ProblemError) return error;
  const status = (error as FastifyError).statusCode;
  if (status === 413) return new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE);
  // Framework-level refusals (bad content length, malformed multipart, ...): an invalid request.
  if (status !== undefined && status >= 400 && status < 500) return new InvalidRequestError([{ parameters: {}, message: error.message }]);
  return undefined;
}

export function sendProblem(ctx: AppContext, reply: FastifyReply, error: ProblemError): void {
  void reply
    .code(error.statusCode)
    .type(PROBLEM_CONTENT_TYPE)
    .send(ctx.problems.problem(error.problem, error.detailOverride));
}
