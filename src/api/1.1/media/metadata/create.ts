import type { UserPrincipal } from '../../../../auth/principal.js';
import { DomainError } from '../../../../domain/errors.js';
import { jsonBody, parseJsonBytes } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { formatV1Error } from '../../../shared/v1-errors.js';
import { domainToInvalidRequest } from '../../../../http/errors.js';
import { parseV1Metadata } from '../../../../wire/metadata-v1.js';
import { METADATA_BODY_LIMIT } from '../../../shared/metadata-upsert.js';

const TEXT_PLAIN = /^text\/plain\s*(;|$)/i;

/**
 * POST /1.1/media/metadata/create.json: v1.1 alt text and sensitive-media warnings, on the same stored
 * metadata as the v2 routes. The body is JSON, sent as application/json or (X's own examples) text/plain;
 * success is 200 with an empty body.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/1.1/media/metadata/create.json',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'metadata',
  bodyLimit: METADATA_BODY_LIMIT,
  formatError: formatV1Error,
  handler: async ({ ctx, request, reply, principal }) => {
    const plain = Buffer.isBuffer(request.body) && TEXT_PLAIN.test(request.headers['content-type'] ?? '');
    const body = plain ? parseJsonBytes(request.body as Buffer, ctx.config.jsonMaxValues) : jsonBody(request);
    const { mediaId, patch } = parseV1Metadata(body);
    try {
      await ctx.media.updateMetadata(principal as UserPrincipal, mediaId, patch);
    } catch (error) {
      if (error instanceof DomainError) throw domainToInvalidRequest(error, error.field === 'mediaId' ? 'media_id' : 'alt_text.text');
      throw error;
    }
    await reply.code(200).send();
  },
});
