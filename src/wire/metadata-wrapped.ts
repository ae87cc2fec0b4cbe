import { Type } from '@sinclair/typebox';
import type { GeoRestrictions, MediaMetadata, MetadataPatch } from '../domain/metadata.js';
import {
  allowDownloadPatch,
  altTextPatch,
  foundMediaOriginPatch,
  formatFoundMediaOrigin,
  formatStickers,
  stickersPatch,
  type MetadataWireShape,
} from './metadata-common.js';
import { InvalidRequestError } from './problems.js';
import { AltTextSchema, BooleanLikeSchema, MediaIdSchema, StickerInfoSchema } from './schemas.js';
import { compileValidator, describeValue } from './validation.js';

/**
 * X's current shape, `POST /2/media/metadata`: `{id, metadata:{...13 keys}}`, upload source spelled
 * `{upload_source:{upload_source}}`. Types follow `openapi-media-2.166.json`.
 */
const CountryCodes = Type.Array(Type.String({ pattern: '^[a-zA-Z]{2}$' }));
const Subscriptions = Type.Array(Type.Literal('Any'));

export const WrappedMetadataSchema = Type.Object({
  allow_download_status: Type.Optional(Type.Object({ allow_download: BooleanLikeSchema })),
  alt_text: Type.Optional(AltTextSchema),
  audience_policy: Type.Optional(
    Type.Object({ creator_subscriptions: Type.Optional(Subscriptions), x_subscriptions: Type.Optional(Subscriptions) }),
  ),
  content_expiration: Type.Optional(Type.Object({ timestamp_sec: Type.Integer({ minimum: 0 }) })),
  domain_restrictions: Type.Optional(Type.Object({ whitelist: Type.Array(Type.String()) })),
  found_media_origin: Type.Optional(
    Type.Object({ provider: Type.String({ maxLength: 8 }), id: Type.String({ maxLength: 24 }) }),
  ),
  geo_restrictions: Type.Optional(
    Type.Object({
      whitelisted_country_codes: Type.Optional(CountryCodes),
      blacklisted_country_codes: Type.Optional(CountryCodes),
    }),
  ),
  management_info: Type.Optional(Type.Object({ managed: Type.Boolean() })),
  preview_image: Type.Optional(
    Type.Object({
      media_key: Type.Object({
        media: Type.Optional(MediaIdSchema),
        media_category: Type.Optional(Type.Literal('TweetImage')),
      }),
    }),
  ),
  sensitive_media_warning: Type.Optional(
    Type.Object({
      adult_content: Type.Optional(Type.Boolean()),
      graphic_violence: Type.Optional(Type.Boolean()),
      other: Type.Optional(Type.Boolean()),
    }),
  ),
  shared_info: Type.Optional(Type.Object({ shared: Type.Boolean() })),
  sticker_info: Type.Optional(StickerInfoSchema),
  upload_source: Type.Optional(Type.Object({ upload_source: Type.String() })),
});

export const WrappedMetadataRequestSchema = Type.Object({
  id: MediaIdSchema,
  metadata: Type.Optional(WrappedMetadataSchema),
});

const validate = compileValidator(WrappedMetadataRequestSchema);

export const wrappedMetadataShape: MetadataWireShape = {
  parse(body) {
    const request = validate(body);
    const m = request.metadata ?? {};
    const patch: MetadataPatch = {
      altText: altTextPatch(m.alt_text),
      allowDownload: allowDownloadPatch(m.allow_download_status),
      foundMediaOrigin: foundMediaOriginPatch(m.found_media_origin),
      stickers: stickersPatch(m.sticker_info),
      uploadSource: m.upload_source?.upload_source,
      audiencePolicy: m.audience_policy && {
        ...(m.audience_policy.creator_subscriptions && { creatorSubscriptions: m.audience_policy.creator_subscriptions }),
        ...(m.audience_policy.x_subscriptions && { xSubscriptions: m.audience_policy.x_subscriptions }),
      },
      contentExpiresAtSec: m.content_expiration?.timestamp_sec,
      domainWhitelist: m.domain_restrictions?.whitelist,
      geoRestrictions: m.geo_restrictions && geoRestrictions(m.geo_restrictions),
      managed: m.management_info?.managed,
      previewImage: m.preview_image && {
        ...(m.preview_image.media_key.media !== undefined && { mediaId: m.preview_image.media_key.media }),
        ...(m.preview_image.media_key.media_category !== undefined && {
          mediaCategory: m.preview_image.media_key.media_category,
        }),
      },
      sensitiveMediaWarning: m.sensitive_media_warning && {
        ...(m.sensitive_media_warning.adult_content !== undefined && { adultContent: m.sensitive_media_warning.adult_content }),
        ...(m.sensitive_media_warning.graphic_violence !== undefined && {
          graphicViolence: m.sensitive_media_warning.graphic_violence,
        }),
        ...(m.sensitive_media_warning.other !== undefined && { other: m.sensitive_media_warning.other }),
      },
      sharedInDms: m.shared_info?.shared,
    };
    return { mediaId: request.id, patch };
  },

  format(mediaId: string, m: MediaMetadata) {
    const out: Record<string, unknown> = {};
    if (m.allowDownload !== undefined) out.allow_download_status = { allow_download: m.allowDownload };
    if (m.altText !== undefined) out.alt_text = { text: m.altText };
    if (m.audiencePolicy !== undefined) {
      out.audience_policy = {
        ...(m.audiencePolicy.creatorSubscriptions && { creator_subscriptions: m.audiencePolicy.creatorSubscriptions }),
        ...(m.audiencePolicy.xSubscriptions && { x_subscriptions: m.audiencePolicy.xSubscriptions }),
      };
    }
    if (m.contentExpiresAtSec !== undefined) out.content_expiration = { timestamp_sec: m.contentExpiresAtSec };
    if (m.domainWhitelist !== undefined) out.domain_restrictions = { whitelist: m.domainWhitelist };
    if (m.foundMediaOrigin !== undefined) out.found_media_origin = formatFoundMediaOrigin(m.foundMediaOrigin);
    if (m.geoRestrictions !== undefined) {
      out.geo_restrictions = {
        blacklisted_country_codes: m.geoRestrictions.blacklist,
        whitelisted_country_codes: m.geoRestrictions.whitelist,
      };
    }
    if (m.managed !== undefined) out.management_info = { managed: m.managed };
    if (m.previewImage !== undefined) {
      out.preview_image = {
        media_key: {
          ...(m.previewImage.mediaId !== undefined && { media: m.previewImage.mediaId }),
          ...(m.previewImage.mediaCategory !== undefined && { media_category: m.previewImage.mediaCategory }),
        },
      };
    }
    if (m.sensitiveMediaWarning !== undefined) {
      out.sensitive_media_warning = {
        ...(m.sensitiveMediaWarning.adultContent !== undefined && { adult_content: m.sensitiveMediaWarning.adultContent }),
        ...(m.sensitiveMediaWarning.graphicViolence !== undefined && {
          graphic_violence: m.sensitiveMediaWarning.graphicViolence,
        }),
        ...(m.sensitiveMediaWarning.other !== undefined && { other: m.sensitiveMediaWarning.other }),
      };
    }
    if (m.sharedInDms !== undefined) out.shared_info = { shared: m.sharedInDms };
    if (m.stickers !== undefined) out.sticker_info = { stickers: formatStickers(m.stickers) };
    if (m.uploadSource !== undefined) out.upload_source = { upload_source: m.uploadSource };
    return { data: { associated_metadata: out, id: mediaId } };
  },

  parameterName(field) {
    return field === 'mediaId' ? 'id' : 'metadata.alt_text.text';
  },
};

/** X's oneOf: a non-empty whitelist XOR a non-empty blacklist. Either list may be omitted when empty. */
function geoRestrictions(geo: { whitelisted_country_codes?: string[]; blacklisted_country_codes?: string[] }): GeoRestrictions {
  const whitelist = geo.whitelisted_country_codes ?? [];
  const blacklist = geo.blacklisted_country_codes ?? [];
  if ((whitelist.length > 0) === (blacklist.length > 0)) {
    throw InvalidRequestError.of(
      'metadata.geo_restrictions',
      [describeValue(geo)],
      '$.metadata.geo_restrictions: exactly one of whitelisted_country_codes and blacklisted_country_codes must be non-empty',
    );
  }
  return { whitelist, blacklist };
}
