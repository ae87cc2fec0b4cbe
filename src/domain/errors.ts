/**
 * Rule violations found by the domain layer, in domain terms. The wire layer turns them into X's
 * invalid-request bodies, naming the parameter as the route's own wire shape spells it (`media_id` or `id`).
 */
export type DomainField =
  | 'mediaId'
  | 'altText'
  | 'media'
  | 'mediaType'
  | 'mediaCategory'
  | 'additionalOwners'
  | 'totalBytes'
  | 'segmentIndex'
  | 'subtitlesId'
  | 'languageCode';

export const DOMAIN_ERRORS = {
  /** Unknown, expired, or someone else's: deliberately one answer, so ownership never leaks. */
  MEDIA_NOT_FOUND: 'MEDIA_NOT_FOUND',
  ALT_TEXT_NOT_ALLOWED: 'ALT_TEXT_NOT_ALLOWED',
  MEDIA_UNREADABLE: 'MEDIA_UNREADABLE',
  MEDIA_TYPE_MISMATCH: 'MEDIA_TYPE_MISMATCH',
  MEDIA_TOO_LARGE: 'MEDIA_TOO_LARGE',
  CATEGORY_MISMATCH: 'CATEGORY_MISMATCH',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  SEGMENT_CONFLICT: 'SEGMENT_CONFLICT',
  SEGMENTS_OVER_TOTAL: 'SEGMENTS_OVER_TOTAL',
  SEGMENTS_MISSING: 'SEGMENTS_MISSING',
  SEGMENTS_SIZE_MISMATCH: 'SEGMENTS_SIZE_MISMATCH',
  ALREADY_FINALIZED: 'ALREADY_FINALIZED',
  MEDIA_FAILED: 'MEDIA_FAILED',
  NOT_A_VIDEO: 'NOT_A_VIDEO',
  NOT_SUBTITLES: 'NOT_SUBTITLES',
} as const;
export type DomainErrorCode = keyof typeof DOMAIN_ERRORS;

export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    readonly field: DomainField,
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

export function mediaNotFound(mediaId: string): DomainError {
  return new DomainError('MEDIA_NOT_FOUND', 'mediaId', mediaId, `Media id ${mediaId} was not found.`);
}
