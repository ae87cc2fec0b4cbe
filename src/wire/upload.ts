import { Type } from '@sinclair/typebox';
import type { InitializeUpload } from '../domain/upload-service.js';
import {
  isVideo,
  MAX_ADDITIONAL_OWNERS,
  MAX_SEGMENT_INDEX,
  MEDIA_CATEGORIES,
  MEDIA_ID_PATTERN,
  mediaKeyOf,
  type MediaCategory,
} from '../domain/media.js';
import { processingView, type ProcessingView } from '../domain/processing.js';
import type { MediaRecord } from '../storage/records.js';
import { InvalidRequestError } from './problems.js';
import { BooleanLikeSchema, toBoolean } from './schemas.js';
import { compileValidator, describeValue } from './validation.js';

/** Upload request fields and response shapes (SPEC.md §5, openapi-media-2.166.json). */

export const UserIdSchema = Type.String({ pattern: '^[0-9]{1,19}$' });
export const AdditionalOwnersSchema = Type.Array(UserIdSchema, { maxItems: MAX_ADDITIONAL_OWNERS });
/** An enum rather than a union of literals, so that a wrong value is reported with the list of right ones. */
export const MediaCategorySchema = Type.Unsafe<MediaCategory>({ type: 'string', enum: [...MEDIA_CATEGORIES] });

export const OneShotJsonSchema = Type.Object({
  media: Type.String(),
  media_category: MediaCategorySchema,
  media_type: Type.Optional(Type.String()),
  additional_owners: Type.Optional(AdditionalOwnersSchema),
  shared: Type.Optional(BooleanLikeSchema),
});

export const validateOneShotJson = compileValidator(OneShotJsonSchema);

/** Form fields arrive as text; the same rules as the JSON shape, after splitting the lists. */
export const validateOneShotFields = compileValidator(
  Type.Object({
    media_category: MediaCategorySchema,
    media_type: Type.Optional(Type.String()),
    additional_owners: Type.Optional(AdditionalOwnersSchema),
    shared: Type.Optional(BooleanLikeSchema),
  }),
);

/** X's `total_bytes` bounds (MediaUploadConfigRequest); the domain applies each kind's own limit. */
const TotalBytesSchema = Type.Integer({ minimum: 0, maximum: 17_179_869_184 });

/**
 * `POST /2/media/upload/initialize` (JSON). `media_type` and `total_bytes` are required: X's v1.1 INIT
 * requires them and no upload can be checked without them.
 */
export const InitializeJsonSchema = Type.Object({
  media_type: Type.String(),
  total_bytes: TotalBytesSchema,
  media_category: Type.Optional(MediaCategorySchema),
  additional_owners: Type.Optional(AdditionalOwnersSchema),
  shared: Type.Optional(BooleanLikeSchema),
});

export const validateInitializeJson = compileValidator(InitializeJsonSchema);

/** The same, as form fields (legacy `command=INIT`, v1.1): numbers as digits, owners comma-separated. */
const validateInitializeFields = compileValidator(
  Type.Object({
    media_type: Type.String(),
    total_bytes: Type.String({ pattern: '^[0-9]{1,12}$' }),
    media_category: Type.Optional(MediaCategorySchema),
    additional_owners: Type.Optional(AdditionalOwnersSchema),
    shared: Type.Optional(BooleanLikeSchema),
  }),
);

export function initializeFromJson(body: unknown): InitializeUpload {
  const request = validateInitializeJson(body);
  return {
    mediaType: request.media_type,
    totalBytes: request.total_bytes,
    category: request.media_category,
    additionalOwners: request.additional_owners ?? [],
    shared: request.shared === undefined ? false : toBoolean(request.shared),
  };
}

export function initializeFromFields(fields: Readonly<Record<string, string>>): InitializeUpload {
  const request = validateInitializeFields(formFields(fields));
  return {
    mediaType: request.media_type,
    totalBytes: Number(request.total_bytes),
    category: request.media_category,
    additionalOwners: request.additional_owners ?? [],
    shared: request.shared === undefined ? false : toBoolean(request.shared),
  };
}

/**
 * Form fields as the JSON shapes spell them: `additional_owners` is one comma-separated value (X's v1.1 INIT
 * and one-shot), and v1.1 clients name categories in CamelCase (twitter-api-v2 sends `TweetVideo`), which
 * X's v1.1 takes as `tweet_video`.
 */
export function formFields(fields: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...fields };
  if (fields.additional_owners !== undefined) out.additional_owners = fields.additional_owners.split(',').filter((v) => v !== '');
  const category = fields.media_category;
  if (category !== undefined && /^[A-Z][A-Za-z]*$/.test(category)) {
    out.media_category = category.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
  }
  return out;
}

export const AppendJsonSchema = Type.Object({ media: Type.String(), segment_index: Type.Unknown() });

const validateAppendJson = compileValidator(AppendJsonSchema);

/** `POST /2/media/upload/{id}/append` as JSON: `{media: base64, segment_index}` (the xdk). */
export function appendFromJson(body: unknown): { bytes: Buffer; segmentIndex: number } {
  const request = validateAppendJson(body);
  const segmentIndex = segmentIndexFrom(request);
  return { bytes: decodeBase64('media', request.media), segmentIndex };
}

/**
 * X's MediaSegments: an integer 0–999, or the same as a string of digits (forms, and some JSON clients).
 * Checked by hand: a schema union would report only its first branch's complaint.
 */
export function segmentIndexFrom(fields: Readonly<Record<string, unknown>>): number {
  const value = fields.segment_index;
  if (value === undefined) throw InvalidRequestError.of('segment_index', [], '$.segment_index: is missing but it is required');
  const index = typeof value === 'string' && /^[0-9]{1,3}$/.test(value) ? Number(value) : value;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_SEGMENT_INDEX) {
    throw InvalidRequestError.of(
      'segment_index',
      [describeValue(value)],
      `$.segment_index: must be an integer from 0 to ${MAX_SEGMENT_INDEX}`,
    );
  }
  return index;
}

/** A media id given as a form field (legacy commands, v1.1), checked like X's body fields. */
export function mediaIdField(fields: Readonly<Record<string, unknown>>, name = 'media_id'): string {
  const value = fields[name];
  if (typeof value === 'string' && MEDIA_ID_PATTERN.test(value)) return value;
  if (value === undefined) throw InvalidRequestError.of(name, [], `$.${name}: is missing but it is required`);
  throw InvalidRequestError.of(name, [describeValue(value)], `$.${name}: does not match the regex pattern ^[0-9]{1,19}$`);
}

// One flat character class: a grouped pattern like (?:[...]{4})* overflows V8's regexp stack on megabytes.
const BASE64_CHARACTERS = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (X's `format: byte`): Buffer.from would silently skip invalid characters. */
export function decodeBase64(name: string, text: string): Buffer {
  const compact = text.replace(/[\r\n\t ]+/g, '');
  if (!isBase64(compact)) {
    throw InvalidRequestError.of(name, [], `$.${name}: is not valid base64`);
  }
  return Buffer.from(compact, 'base64');
}

/** Base64 alphabet, padding only at the end and only to a multiple of 4, and no lone final character. */
function isBase64(text: string): boolean {
  if (!BASE64_CHARACTERS.test(text)) return false;
  const padded = text.endsWith('=');
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

/** Whole seconds left, rounded up: a fresh upload reports X's 86400, not 86399. */
export function expiresAfterSecs(media: MediaRecord, nowMs: number): number {
  return Math.max(0, Math.ceil((media.expiresAtMs - nowMs) / 1000));
}

/**
 * The facts of a finalized upload, shared by the v2 and v1.1 answers: `size`, `image` for pictures, `video`
 * for videos, and `processing_info` for media that are processed.
 */
export function uploadFacts(media: MediaRecord, nowMs: number): Record<string, unknown> {
  const facts: Record<string, unknown> = { size: media.size, expires_after_secs: expiresAfterSecs(media, nowMs) };
  if ((media.kind === 'photo' || media.kind === 'animated_gif') && media.width !== null && media.height !== null) {
    facts.image = { image_type: media.mimeType, w: media.width, h: media.height };
  }
  if (isVideo(media.kind)) facts.video = { video_type: media.mimeType };
  const processing = processingView(media, nowMs);
  if (processing) facts.processing_info = formatProcessing(processing);
  return facts;
}

function formatProcessing(view: ProcessingView): Record<string, unknown> {
  return {
    state: view.state,
    ...(view.checkAfterSecs !== undefined && { check_after_secs: view.checkAfterSecs }),
    progress_percent: view.progressPercent,
    ...(view.error && { error: view.error }),
  };
}

/** `{"data":{"id","media_key","size","expires_after_secs","image"|"video"?,"processing_info"?}}`: finalize and STATUS. */
export function formatUploadResponse(media: MediaRecord, nowMs: number): { data: Record<string, unknown> } {
  return { data: { id: media.id, media_key: mediaKeyOf(media.kind, media.id), ...uploadFacts(media, nowMs) } };
}

/** `{"data":{"id","media_key","expires_after_secs"}}`: initialize. */
export function formatInitializeResponse(media: MediaRecord, nowMs: number): { data: Record<string, unknown> } {
  return { data: { id: media.id, media_key: mediaKeyOf(media.kind, media.id), expires_after_secs: expiresAfterSecs(media, nowMs) } };
}

/** `{"data":{"expires_at":<epoch seconds>}}`: append. */
export function formatAppendResponse(expiresAtMs: number): { data: { expires_at: number } } {
  return { data: { expires_at: Math.floor(expiresAtMs / 1000) } };
}
