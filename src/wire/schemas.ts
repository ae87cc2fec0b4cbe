import { Type } from '@sinclair/typebox';

/** Request-body building blocks shared by the wire shapes (types from X's OpenAPI documents, SPEC.md §1). */
export const MediaIdSchema = Type.String({ pattern: '^[0-9]{1,19}$' });

/** The seed's own example sends `"allow_download": "true"`, so the two strings count as booleans. */
export const BooleanLikeSchema = Type.Union([Type.Boolean(), Type.Literal('true'), Type.Literal('false')]);

export function toBoolean(value: boolean | 'true' | 'false'): boolean {
  return value === true || value === 'true';
}

export const AltTextSchema = Type.Object({ text: Type.String({ maxLength: 1000 }) });

export const StickerSchema = Type.Object({
  aspect_ratio: Type.Optional(Type.Number()),
  group_annotation_id: Type.Optional(Type.Number()),
  id: Type.Optional(Type.String()),
  sticker_set_annotation_id: Type.Optional(Type.Number()),
  transform_a: Type.Optional(Type.Number()),
  transform_b: Type.Optional(Type.Number()),
  transform_c: Type.Optional(Type.Number()),
  transform_d: Type.Optional(Type.Number()),
  transform_tx: Type.Optional(Type.Number()),
  transform_ty: Type.Optional(Type.Number()),
});

export const StickerInfoSchema = Type.Object({
  stickers: Type.Array(StickerSchema, { minItems: 1, maxItems: 25 }),
});

export const STICKER_FIELDS = [
  'aspect_ratio',
  'group_annotation_id',
  'id',
  'sticker_set_annotation_id',
  'transform_a',
  'transform_b',
  'transform_c',
  'transform_d',
  'transform_tx',
  'transform_ty',
] as const;
