import type { FoundMediaOrigin, MediaMetadata, MetadataPatch, Sticker } from '../domain/metadata.js';
import type { DomainField } from '../domain/errors.js';
import { STICKER_FIELDS, toBoolean } from './schemas.js';

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
  return stickers.map((sticker) => {
    const out: Record<string, unknown> = {};
    for (const field of STICKER_FIELDS) if (sticker[field] !== undefined) out[field] = sticker[field];
    return out as Sticker;
  });
}

export function formatFoundMediaOrigin(origin: FoundMediaOrigin): { id?: string; provider?: string } {
  const out: { id?: string; provider?: string } = {};
  if (origin.id !== undefined) out.id = origin.id;
  if (origin.provider !== undefined) out.provider = origin.provider;
  return out;
}
