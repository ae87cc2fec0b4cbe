import type { FastifyRequest } from 'fastify';
import type { UserPrincipal } from '../../../../auth/principal.js';
import { SIZE_LIMITS, type MediaCategory } from '../../../../domain/media.js';
import { jsonBody } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { InvalidRequestError } from '../../../../wire/problems.js';
import { toBoolean } from '../../../../wire/schemas.js';
import {
  decodeBase64,
  formatUploadResponse,
  validateOneShotFields,
  validateOneShotJson,
} from '../../../../wire/upload.js';

/** Base64 makes a 15 MB GIF about 20 MB of JSON. */
const ONE_SHOT_BODY_LIMIT = 21 * 1024 * 1024;

interface OneShotFields {
  media: Buffer;
  media_category: MediaCategory;
  media_type?: string;
  additional_owners?: string[];
  shared?: boolean | 'true' | 'false';
}

/** POST /2/media/upload: one-shot upload of an image, as multipart raw bytes or JSON base64. */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/upload',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload',
  bodyLimit: ONE_SHOT_BODY_LIMIT,
  handler: async ({ ctx, request, principal }) => {
    const fields = request.isMultipart() ? await readMultipart(request) : readJson(request);
    const media = await ctx.media.uploadOneShot(principal as UserPrincipal, {
      bytes: fields.media,
      category: fields.media_category,
      declaredType: fields.media_type,
      additionalOwners: fields.additional_owners ?? [],
      shared: fields.shared === undefined ? false : toBoolean(fields.shared),
    });
    return { body: formatUploadResponse(media, ctx.now()) };
  },
});

function readJson(request: FastifyRequest): OneShotFields {
  const body = validateOneShotJson(jsonBody(request));
  return { ...body, media: decodeBase64('media', body.media) };
}

async function readMultipart(request: FastifyRequest): Promise<OneShotFields> {
  const text: Record<string, unknown> = {};
  let media: Buffer | undefined;
  try {
    for await (const part of request.parts({ limits: { fileSize: SIZE_LIMITS.gif } })) {
      if (part.type === 'file') {
        media = await part.toBuffer();
      } else if (part.fieldname === 'additional_owners') {
        text.additional_owners = String(part.value).split(',').filter((v) => v !== '');
      } else {
        text[part.fieldname] = part.value;
      }
    }
  } catch (error) {
    // The multipart plugin's own errors carry their status (413 for limits); the parser's do not, and
    // a body it cannot parse is the client's mistake, not ours.
    if ((error as { statusCode?: number }).statusCode !== undefined) throw error;
    throw InvalidRequestError.of(undefined, [], `The multipart body is not valid: ${(error as Error).message}`);
  }
  if (media === undefined) throw InvalidRequestError.of('media', [], '$.media: is missing but it is required');
  const fields = validateOneShotFields(text);
  return { ...fields, media };
}

