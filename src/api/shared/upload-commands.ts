import type { FastifyRequest } from 'fastify';
import type { UserPrincipal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { DomainError } from '../../domain/errors.js';
import { MB, SIZE_LIMITS } from '../../domain/media.js';
import { domainToInvalidRequest } from '../../http/errors.js';
import { InvalidRequestError } from '../../wire/problems.js';
import { segmentIndexFrom } from '../../wire/upload.js';
import { readUploadForm, type IncomingMedia } from './upload-form.js';

/**
 * The steps of a chunked upload as every dialect runs them (v2 routes, the legacy `command=` form, v1.1):
 * the route files parse their own wire shape and format their own answer around these.
 */

/** Base64 makes a 5 MB segment about 7 MB of JSON. */
export const APPEND_JSON_BODY_LIMIT = 7 * MB + 64 * 1024;

/** Base64 makes a 15 MB GIF about 20 MB of JSON or form. */
export const ONE_SHOT_BODY_LIMIT = 21 * MB;

/** Runs `step`, naming the media id parameter as the route spells it (`id` in v2 paths, `media_id` elsewhere). */
export async function namingMediaId<T>(parameter: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof DomainError && error.field === 'mediaId') throw domainToInvalidRequest(error, parameter);
    throw error;
  }
}

/** Reads an append form whose file is streamed straight into a segment of `mediaId`. */
export function readAppendForm(ctx: AppContext, request: FastifyRequest, caller: UserPrincipal, mediaId: string) {
  return readUploadForm(request, {
    maxMediaBytes: SIZE_LIMITS.chunk,
    streamTo: () => (source) => ctx.uploads.receiveSegment(caller, mediaId, source),
    discard: (segment) => ctx.uploads.discardSegment(segment),
  });
}

/**
 * Appends a segment whose bytes arrived in a form: already streamed to the blob store, or (base64, or a file
 * that came before the fields naming its upload) in memory. Resolves to the session's expiry.
 */
export async function appendFromForm(
  ctx: AppContext,
  caller: UserPrincipal,
  mediaId: string,
  fields: Readonly<Record<string, string>>,
  media: IncomingMedia | undefined,
): Promise<number> {
  try {
    const index = segmentIndexFrom(fields);
    if (!media) throw InvalidRequestError.of('media', [], '$.media: is missing but it is required');
    const segment = media.kind === 'received' ? media.segment : await ctx.uploads.receiveSegment(caller, mediaId, [media.bytes]);
    return (await ctx.uploads.commitSegment(segment, index)).expiresAtMs;
  } catch (error) {
    // Deleting a blob twice is harmless: commitSegment may already have discarded it.
    if (media?.kind === 'received') await ctx.uploads.discardSegment(media.segment);
    throw error;
  }
}

/** Appends a segment held in memory (JSON base64). */
export async function appendBytes(ctx: AppContext, caller: UserPrincipal, mediaId: string, bytes: Buffer, index: number): Promise<number> {
  const received = await ctx.uploads.receiveSegment(caller, mediaId, [bytes]);
  return (await ctx.uploads.commitSegment(received, index)).expiresAtMs;
}

/** SPEC.md §5: STATUS of an id with nothing to report. */
export function statusNotFound(parameter: string, mediaId: string): InvalidRequestError {
  return InvalidRequestError.of(parameter, [mediaId], 'BadRequest: Not found');
}
