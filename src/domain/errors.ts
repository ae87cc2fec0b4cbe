/**
 * Rule violations found by the domain layer, in domain terms. The wire layer turns them into X's
 * invalid-request bodies, naming the parameter as the route's own wire shape spells it (`media_id` or `id`).
 */
export type DomainField = 'mediaId' | 'altText' | 'media' | 'mediaType' | 'mediaCategory' | 'additionalOwners';

export const DOMAIN_ERRORS = {
  /** Unknown, expired, or someone else's: deliberately one answer, so ownership never leaks. */
  MEDIA_NOT_FOUND: 'MEDIA_NOT_FOUND',
  ALT_TEXT_NOT_ALLOWED: 'ALT_TEXT_NOT_ALLOWED',
  MEDIA_UNREADABLE: 'MEDIA_UNREADABLE',
  MEDIA_TYPE_MISMATCH: 'MEDIA_TYPE_MISMATCH',
  MEDIA_TOO_LARGE: 'MEDIA_TOO_LARGE',
  CATEGORY_MISMATCH: 'CATEGORY_MISMATCH',
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
