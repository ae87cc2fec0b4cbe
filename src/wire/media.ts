import { MEDIA_TYPE_NAME, mediaKeyOf } from '../domain/media.js';
import type { MediaRecord } from '../storage/records.js';
import type { ProblemFormatter } from './problems.js';

/** X's `media.fields` (openapi-media-2.166.json, MediaFieldsParameter). */
export const MEDIA_FIELDS = [
  'alt_text',
  'duration_ms',
  'height',
  'media_key',
  'non_public_metrics',
  'organic_metrics',
  'preview_image_url',
  'promoted_metrics',
  'public_metrics',
  'type',
  'url',
  'variants',
  'width',
] as const;

export const MEDIA_KEY_REGEX = '^([0-9]+)_([0-9]+)$';

/**
 * The Media object of GET /2/media: `media_key` and `type` always (X's defaults), other fields when asked
 * for and known. Fields xmedia has no data for (metrics, variants, CDN URLs) are left out, as X leaves out
 * fields that do not apply.
 */
export function formatMedia(media: MediaRecord, fields: ReadonlySet<string> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { media_key: mediaKeyOf(media.kind, media.id), type: MEDIA_TYPE_NAME[media.kind] };
  if (!fields) return out;
  if (fields.has('width') && media.width !== null) out.width = media.width;
  if (fields.has('height') && media.height !== null) out.height = media.height;
  if (fields.has('duration_ms') && media.durationMs !== null) out.duration_ms = media.durationMs;
  if (fields.has('alt_text') && media.metadata.altText !== undefined) out.alt_text = media.metadata.altText;
  return out;
}

/** X's partial error for a key that names nothing the caller can see. */
export function mediaNotFoundError(problems: ProblemFormatter, key: string, parameter: string): Record<string, string> {
  return {
    value: key,
    detail: `Could not find media with ${parameter}: [${key}].`,
    title: 'Not Found Error',
    resource_type: 'media',
    parameter,
    resource_id: key,
    type: problems.typeUri('/2/problems/resource-not-found'),
  };
}
