import { Type } from '@sinclair/typebox';
import type { MetadataPatch, SensitiveMediaWarning } from '../domain/metadata.js';
import { altTextPatch, type MetadataRequest } from './metadata-common.js';
import { AltTextSchema, MediaIdSchema } from './schemas.js';
import { compileValidator } from './validation.js';

/**
 * v1.1's shape, `POST /1.1/media/metadata/create.json`: `{media_id, alt_text:{text}, sensitive_media_warning?:
 * ["adult_content" | "graphic_violence" | "other", ...]}`. It sets the same stored metadata as the v2 routes;
 * success is an empty body, so there is nothing to format.
 */
const WARNINGS = ['adult_content', 'graphic_violence', 'other'] as const;

export const V1MetadataRequestSchema = Type.Object({
  media_id: MediaIdSchema,
  alt_text: Type.Optional(AltTextSchema),
  sensitive_media_warning: Type.Optional(Type.Array(Type.Union(WARNINGS.map((w) => Type.Literal(w))), { maxItems: WARNINGS.length })),
});

const validate = compileValidator(V1MetadataRequestSchema);

export function parseV1Metadata(body: unknown): MetadataRequest {
  const request = validate(body);
  const warnings = request.sensitive_media_warning;
  const patch: MetadataPatch = {
    altText: altTextPatch(request.alt_text),
    // The list names the warnings that apply: a list replaces the stored warning as a whole, as in v2.
    sensitiveMediaWarning: warnings && sensitiveWarning(warnings),
  };
  return { mediaId: request.media_id, patch };
}

function sensitiveWarning(warnings: readonly (typeof WARNINGS)[number][]): SensitiveMediaWarning {
  return {
    adultContent: warnings.includes('adult_content'),
    graphicViolence: warnings.includes('graphic_violence'),
    other: warnings.includes('other'),
  };
}
