import type { FoundMediaOrigin, MediaMetadata, MetadataPatch, Sticker } from '../domain/metadata.js';
import type { DomainField } from '../domain/errors.js';
import { toBoolean } from './schemas.js';

/**
 * Conversions shared by the v2 wire shapes for the keys they spell alike. Each shape file adds its own keys
 * and its own spelling of the rest (upload_source is `{text}` in one and `{upload_source}` in the other).
 */

/** What every metadata route parses its body into. */
export interface MetadataRequest {
  mediaId: string;
  patch: MetadataPatch;
}

/** A metadata wire shape: parse a body, format stored metadata, name parameters in its own spelling. */
export interface MetadataWireShape {
  parse(body: unknown): MetadataRequest;
  format(mediaId: string, metadata: MediaMetadata): unknown;
  /** A compiled serializer for what `format` returns, where the shape has one. */
  readonly serialize?: (body: unknown) => string;
  parameterName(field: DomainField): string;
}

/** `""` clears the alt text (SPEC.md §1); clearing removes the key. */
export function altTextPatch(alt: { text: string } | undefined): string | null | undefined {
  if (alt === undefined) return undefined;
  return alt.text === '' ? null : alt.text;
}

export function allowDownloadPatch(status: { allow_download: boolean | 'true' | 'false' } | undefined): boolean | undefined {
  return status === undefined ? undefined : toBoolean(status.allow_download);
}

export function foundMediaOriginPatch(origin: { provider?: string; id?: string } | undefined): FoundMediaOrigin | undefined {
  if (origin === undefined) return undefined;
  const value: FoundMediaOrigin = {};
  if (origin.provider !== undefined) value.provider = origin.provider;
  if (origin.id !== undefined) value.id = origin.id;
  return value;
}

/** Copies only the sticker fields X defines: unknown keys are ignored and never stored. */
export function stickersPatch(info: { stickers: Sticker[] } | undefined): Sticker[] | undefined {
  return info === undefined ? undefined : formatStickers(info.stickers);
}

/** Stickers in X's field order, whatever order the backend kept them in (PostgreSQL's JSONB reorders keys). */
export function formatStickers(stickers: readonly Sticker[]): Sticker[] {
  return stickers.map(copySticker);
}

/**
 * X's sticker fields (STICKER_FIELDS, in that order; test/metadata-create.test.ts holds the two together), each
 * spelled out: a loop over the names is a keyed load and a keyed store per field that V8 cannot specialise,
 * twice per sticker per metadata write. Together with the patch's Object.entries they were ~1.5 % of the
 * write's CPU (perf; docs/PERFORMANCE.md, sixth pass).
 */
export function copySticker(s: Sticker): Sticker {
  const out: Sticker = {};
  if (s.aspect_ratio !== undefined) out.aspect_ratio = s.aspect_ratio;
  if (s.group_annotation_id !== undefined) out.group_annotation_id = s.group_annotation_id;
  if (s.id !== undefined) out.id = s.id;
  if (s.sticker_set_annotation_id !== undefined) out.sticker_set_annotation_id = s.sticker_set_annotation_id;
  if (s.transform_a !== undefined) out.transform_a = s.transform_a;
  if (s.transform_b !== undefined) out.transform_b = s.transform_b;
  if (s.transform_c !== undefined) out.transform_c = s.transform_c;
  if (s.transform_d !== undefined) out.transform_d = s.transform_d;
  if (s.transform_tx !== undefined) out.transform_tx = s.transform_tx;
  if (s.transform_ty !== undefined) out.transform_ty = s.transform_ty;
  return out;
}

export function formatFoundMediaOrigin(origin: FoundMediaOrigin): { id?: string; provider?: string } {
  const out: { id?: string; provider?: string } = {};
  if (origin.id !== undefined) out.id = origin.id;
  if (origin.provider !== undefined) out.provider = origin.provider;
  return out;
}
