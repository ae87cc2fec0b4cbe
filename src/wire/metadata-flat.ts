import { Type } from '@sinclair/typebox';
import type { MediaMetadata, MetadataPatch } from '../domain/metadata.js';
import {
  allowDownloadPatch,
  altTextPatch,
  foundMediaOriginPatch,
  formatFoundMediaOrigin,
  formatStickers,
  stickersPatch,
  type MetadataWireShape,
} from './metadata-common.js';
import { AltTextSchema, BooleanLikeSchema, MediaIdSchema, StickerInfoSchema } from './schemas.js';
import { serializeFlatMetadata } from './serializers.js';
import { compileValidator } from './validation.js';

/**
 * The seed's flat shape, `POST /2/media/metadata/create` (X's v2 document of February 2025):
 * `{media_id, alt_text:{text}, allow_download_status:{allow_download}, found_media_origin:{provider,id},
 * sticker_info:{stickers}, upload_source:{text}}`. Keys that only the wrapped shape knows are not shown here.
 */
export const FlatMetadataRequestSchema = Type.Object({
  media_id: MediaIdSchema,
  alt_text: Type.Optional(AltTextSchema),
  allow_download_status: Type.Optional(Type.Object({ allow_download: BooleanLikeSchema })),
  found_media_origin: Type.Optional(
    Type.Object({
      provider: Type.Optional(Type.String({ maxLength: 8 })),
      id: Type.Optional(Type.String({ maxLength: 24 })),
    }),
  ),
  sticker_info: Type.Optional(StickerInfoSchema),
  upload_source: Type.Optional(Type.Object({ text: Type.String() })),
});

const validate = compileValidator(FlatMetadataRequestSchema);

export const flatMetadataShape: MetadataWireShape = {
  parse(body) {
    const request = validate(body);
    const patch: MetadataPatch = {
      altText: altTextPatch(request.alt_text),
      allowDownload: allowDownloadPatch(request.allow_download_status),
      foundMediaOrigin: foundMediaOriginPatch(request.found_media_origin),
      stickers: stickersPatch(request.sticker_info),
      uploadSource: request.upload_source?.text,
    };
    return { mediaId: request.media_id, patch };
  },

  format(mediaId: string, metadata: MediaMetadata) {
    const associated: Record<string, unknown> = {};
    if (metadata.allowDownload !== undefined) associated.allow_download_status = { allow_download: metadata.allowDownload };
    if (metadata.altText !== undefined) associated.alt_text = { text: metadata.altText };
    if (metadata.foundMediaOrigin !== undefined) associated.found_media_origin = formatFoundMediaOrigin(metadata.foundMediaOrigin);
    if (metadata.stickers !== undefined) associated.sticker_info = { stickers: formatStickers(metadata.stickers) };
    if (metadata.uploadSource !== undefined) associated.upload_source = { text: metadata.uploadSource };
    return { data: { associated_metadata: associated, id: mediaId } };
  },

  serialize: serializeFlatMetadata,

  parameterName(field) {
    return field === 'mediaId' ? 'media_id' : 'alt_text.text';
  },
};
