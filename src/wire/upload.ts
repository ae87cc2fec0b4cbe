import { Type } from '@sinclair/typebox';
import { MEDIA_CATEGORIES, mediaKeyOf } from '../domain/media.js';
import type { MediaRecord } from '../storage/records.js';
import { InvalidRequestError } from './problems.js';
import { BooleanLikeSchema } from './schemas.js';
import { compileValidator } from './validation.js';

/** Upload request fields and response shapes (SPEC.md §5, openapi-media-2.166.json). */

export const UserIdSchema = Type.String({ pattern: '^[0-9]{1,19}$' });
export const AdditionalOwnersSchema = Type.Array(UserIdSchema, { maxItems: 100 });
export const MediaCategorySchema = Type.Union(MEDIA_CATEGORIES.map((c) => Type.Literal(c)));

export const OneShotJsonSchema = Type.Object({
  media: Type.String(),
  media_category: MediaCategorySchema,
  media_type: Type.Optional(Type.String()),
  additional_owners: Type.Optional(AdditionalOwnersSchema),
  shared: Type.Optional(BooleanLikeSchema),
});

export const validateOneShotJson = compileValidator(OneShotJsonSchema);

/** Form fields arrive as text; the same rules as the JSON shape, after splitting the lists. */
export const validateOneShotFields = compileValidator(
  Type.Object({
    media_category: MediaCategorySchema,
    media_type: Type.Optional(Type.String()),
    additional_owners: Type.Optional(AdditionalOwnersSchema),
    shared: Type.Optional(BooleanLikeSchema),
  }),
);

// One flat character class: a grouped pattern like (?:[...]{4})* overflows V8's regexp stack on megabytes.
const BASE64_CHARACTERS = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (X's `format: byte`): Buffer.from would silently skip invalid characters. */
export function decodeBase64(name: string, text: string): Buffer {
  const compact = text.replace(/[\r\n\t ]+/g, '');
  if (!isBase64(compact)) {
    throw InvalidRequestError.of(name, [], `$.${name}: is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

/** Base64 alphabet, padding only at the end and only to a multiple of 4, and no lone final character. */
function isBase64(text: string): boolean {
  if (!BASE64_CHARACTERS.test(text)) return false;
  const padded = text.endsWith('=');
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

/** `{"data":{"id","media_key","size","expires_after_secs","image":{...}}}`, X's upload answer. */
export function formatUploadResponse(media: MediaRecord, nowMs: number): { data: Record<string, unknown> } {
  const data: Record<string, unknown> = {
    id: media.id,
    media_key: mediaKeyOf(media.kind, media.id),
    size: media.size,
    // Rounded up: a fresh upload says 86400 like X's, not 86399 for the milliseconds spent storing it.
    expires_after_secs: Math.max(0, Math.ceil((media.expiresAtMs - nowMs) / 1000)),
  };
  if ((media.kind === 'photo' || media.kind === 'animated_gif') && media.width !== null && media.height !== null) {
    data.image = { image_type: media.mimeType, w: media.width, h: media.height };
  }
  return { data };
}
