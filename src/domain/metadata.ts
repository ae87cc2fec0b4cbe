/**
 * The metadata of one media item, as xmedia stores it. Three wire shapes (flat v2, wrapped v2, v1.1) are
 * formatted from and parsed into this one model; see src/wire/metadata-*.ts. Single-field wrappers of the
 * wire ({alt_text: {text}}, {shared_info: {shared}}) are flattened here.
 */
export interface MediaMetadata {
  altText?: string;
  allowDownload?: boolean;
  foundMediaOrigin?: FoundMediaOrigin;
  stickers?: Sticker[];
  uploadSource?: string;
  audiencePolicy?: AudiencePolicy;
  contentExpiresAtSec?: number;
  domainWhitelist?: string[];
  geoRestrictions?: GeoRestrictions;
  managed?: boolean;
  previewImage?: PreviewImage;
  sensitiveMediaWarning?: SensitiveMediaWarning;
  sharedInDms?: boolean;
}

export interface FoundMediaOrigin {
  provider?: string;
  id?: string;
}

/**
 * A sticker placed on the media. Its fields are X's names: the sticker is an opaque value that X defines and
 * xmedia only stores, so renaming each field twice per request would buy nothing.
 */
export interface Sticker {
  id?: string;
  aspect_ratio?: number;
  group_annotation_id?: number;
  sticker_set_annotation_id?: number;
  transform_a?: number;
  transform_b?: number;
  transform_c?: number;
  transform_d?: number;
  transform_tx?: number;
  transform_ty?: number;
}

export interface AudiencePolicy {
  creatorSubscriptions?: string[];
  xSubscriptions?: string[];
}

/** Exactly one of the two lists is non-empty (X's oneOf). */
export interface GeoRestrictions {
  whitelist: string[];
  blacklist: string[];
}

export interface PreviewImage {
  mediaId?: string;
  mediaCategory?: string;
}

export interface SensitiveMediaWarning {
  adultContent?: boolean;
  graphicViolence?: boolean;
  other?: boolean;
}

export type MetadataKey = keyof MediaMetadata;

/**
 * An upsert: each key present replaces the stored key; `null` removes it; absent keys keep their stored value.
 */
export type MetadataPatch = { [K in MetadataKey]?: MediaMetadata[K] | null };

export function applyPatch(stored: MediaMetadata, patch: MetadataPatch): MediaMetadata {
  const next: Record<string, unknown> = { ...stored };
  for (const key in patch) {
    const value = patch[key as MetadataKey];
    if (value === undefined) continue;
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next as MediaMetadata;
}

export function isEmptyPatch(patch: MetadataPatch): boolean {
  for (const key in patch) if (patch[key as MetadataKey] !== undefined) return false;
  return true;
}
