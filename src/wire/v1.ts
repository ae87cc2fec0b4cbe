import { mediaKeyOf } from '../domain/media.js';
import type { MediaRecord } from '../storage/records.js';
import type { InvalidRequestError, ProblemError } from './problems.js';
import { expiresAfterSecs, uploadFacts } from './upload.js';

/**
 * X's v1.1 wire shapes for the media routes (/1.1/media/upload.json, /1.1/media/metadata/create.json): media ids
 * as a JSON number and a string, and errors as `{"errors":[{"code":N,"message":"..."}]}`.
 */

/**
 * `media_id` is a 64-bit integer on the wire, which JSON.stringify cannot write without rounding it (and Node
 * 20 has no JSON.rawJSON): the digits are spliced in as text. Clients read `media_id_string`.
 */
function withNumericMediaId(mediaId: string, rest: Record<string, unknown>): Buffer {
  const tail = JSON.stringify({ media_id_string: mediaId, ...rest });
  return Buffer.from(`{"media_id":${mediaId},${tail.slice(1)}`);
}

/** INIT: `{media_id, media_id_string, media_key, expires_after_secs}`. */
export function formatV1Init(media: MediaRecord, nowMs: number): Buffer {
  return withNumericMediaId(media.id, { media_key: mediaKeyOf(media.kind, media.id), expires_after_secs: expiresAfterSecs(media, nowMs) });
}

/** FINALIZE, STATUS and the simple upload: the INIT fields plus size, image/video and processing_info. */
export function formatV1Media(media: MediaRecord, nowMs: number): Buffer {
  return withNumericMediaId(media.id, { media_key: mediaKeyOf(media.kind, media.id), ...uploadFacts(media, nowMs) });
}

/** A v1.1 error answer: `{"errors":[{"code":N,"message":"..."}]}` with its status. */
export interface V1Error {
  readonly status: number;
  readonly body: { errors: { code: number; message: string }[] };
}

function v1Error(status: number, code: number, message: string): V1Error {
  return { status, body: { errors: [{ code, message }] } };
}

/**
 * v1.1's codes: 38 for a missing parameter, 324 for media the endpoint will not take (X's media errors, e.g.
 * "Image file size must be <= 5242880 bytes"), 89 for a bad token, 220 for credentials that may not use the
 * endpoint, 88 for the rate limit.
 */
export function invalidRequestToV1(error: InvalidRequestError): V1Error {
  const first = error.errors[0];
  const [parameter, values] = Object.entries(first?.parameters ?? {})[0] ?? [];
  if (parameter !== undefined && values?.length === 0 && first?.message.endsWith('is missing but it is required')) {
    return v1Error(400, 38, `${parameter} parameter is missing.`);
  }
  return v1Error(400, 324, first?.message ?? 'Invalid request.');
}

export function problemToV1(error: ProblemError): V1Error {
  switch (error.statusCode) {
    case 401:
      return v1Error(401, 89, 'Invalid or expired token.');
    case 403:
      return v1Error(403, 220, 'Your credentials do not allow access to this resource.');
    case 429:
      return v1Error(429, 88, 'Rate limit exceeded.');
    case 503:
      return v1Error(503, 130, 'Over capacity.');
    default:
      return error.statusCode < 500 ? v1Error(error.statusCode, 324, error.message) : v1Error(500, 131, 'Internal error.');
  }
}
