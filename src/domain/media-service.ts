import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { MediaRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { DomainError, mediaNotFound } from './errors.js';
import type { SnowflakeIds } from './ids.js';
import { acceptsAltText, MB, SIZE_LIMITS, type MediaCategory, type MediaKind } from './media.js';
import { isEmptyPatch, type MediaMetadata, type MetadataPatch } from './metadata.js';
import { canonicalMimeType, sniffImage } from './sniff.js';

/** The caller as the domain sees it: a user acting through an app. */
export interface Caller {
  readonly userId: string;
  readonly appId: string;
}

export interface OneShotUpload {
  readonly bytes: Buffer;
  readonly category: MediaCategory;
  /** What the client says the bytes are; checked against what they are. */
  readonly declaredType?: string;
  readonly additionalOwners: readonly string[];
  readonly shared: boolean;
}

const ONE_SHOT_CATEGORIES: ReadonlySet<MediaCategory> = new Set(['tweet_image', 'dm_image', 'tweet_gif', 'dm_gif']);

/**
 * The rules of media and their metadata, independent of any wire shape: who may see and change a media
 * item, what each kind accepts, and how uploads become media rows.
 */
export class MediaService {
  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly ids: SnowflakeIds,
    private readonly settings: Config['media'],
    private readonly now: () => number,
  ) {}

  /** Uploader or additional owner, and not expired. Anything else is, to the caller, unknown. */
  static isUsableBy(media: MediaRecord, userId: string, nowMs: number): boolean {
    return media.expiresAtMs > nowMs && (media.ownerId === userId || media.additionalOwners.includes(userId));
  }

  async findUsable(caller: Caller, id: string): Promise<MediaRecord | undefined> {
    const media = await this.store.getMedia(id);
    return media && MediaService.isUsableBy(media, caller.userId, this.now()) ? media : undefined;
  }

  /** Upserts the patch; resolves to the whole metadata now stored. */
  async updateMetadata(caller: Caller, mediaId: string, patch: MetadataPatch): Promise<MediaMetadata> {
    const media = await this.findUsable(caller, mediaId);
    if (!media) throw mediaNotFound(mediaId);
    if (patch.altText !== undefined && !acceptsAltText(media.kind)) {
      throw new DomainError('ALT_TEXT_NOT_ALLOWED', 'altText', patch.altText ?? '', 'Alt text can only be set on images and GIFs.');
    }
    if (isEmptyPatch(patch)) return media.metadata;
    const stored = await this.store.updateMetadata(mediaId, patch, this.now());
    if (!stored) throw mediaNotFound(mediaId); // expired between the read and the write
    return stored;
  }

  /** The media among `ids` the caller may see, in no particular order. */
  async lookup(caller: Caller, ids: readonly string[]): Promise<MediaRecord[]> {
    const now = this.now();
    const found = ids.length === 1 ? [await this.store.getMedia(ids[0]!)] : await this.store.getMediaMany(ids);
    return found.filter((m): m is MediaRecord => m !== undefined && MediaService.isUsableBy(m, caller.userId, now));
  }

  /** One-shot upload of an image: sniffed, measured, stored durably, then recorded. */
  async uploadOneShot(caller: Caller, upload: OneShotUpload): Promise<MediaRecord> {
    if (!ONE_SHOT_CATEGORIES.has(upload.category)) {
      throw new DomainError(
        'CATEGORY_MISMATCH',
        'mediaCategory',
        upload.category,
        `Media category ${upload.category} needs the chunked upload (initialize, append, finalize).`,
      );
    }
    if (upload.bytes.length === 0) {
      throw new DomainError('MEDIA_UNREADABLE', 'media', '', 'The media is empty.');
    }
    const image = await sniffImage(upload.bytes);
    if (!image) {
      throw new DomainError('MEDIA_UNREADABLE', 'media', '', 'The media is not a readable JPEG, PNG, GIF, WEBP, BMP or TIFF image.');
    }
    if (upload.declaredType !== undefined && canonicalMimeType(upload.declaredType) !== image.mimeType) {
      throw new DomainError(
        'MEDIA_TYPE_MISMATCH',
        'mediaType',
        upload.declaredType,
        `The media is ${image.mimeType}, not ${upload.declaredType}.`,
      );
    }
    const kind: MediaKind = image.animated ? 'animated_gif' : 'photo';
    const limit = image.animated ? SIZE_LIMITS.gif : SIZE_LIMITS.image;
    if (upload.bytes.length > limit) {
      throw new DomainError(
        'MEDIA_TOO_LARGE',
        'media',
        String(upload.bytes.length),
        `The media is ${upload.bytes.length} bytes; ${image.animated ? 'GIFs' : 'images'} may be at most ${limit / MB} MB.`,
      );
    }
    const now = this.now();
    const media: MediaRecord = {
      id: this.ids.next(now),
      kind,
      category: upload.category,
      mimeType: image.mimeType,
      ownerId: caller.userId,
      appId: caller.appId,
      additionalOwners: [...upload.additionalOwners],
      shared: upload.shared,
      state: 'succeeded',
      size: upload.bytes.length,
      width: image.width,
      height: image.height,
      durationMs: null,
      createdAtMs: now,
      expiresAtMs: now + this.settings.expiresAfterSecs * 1000,
      metadata: {},
    };
    // Bytes first: a row must never point at a blob that is not there.
    await this.blobs.put(media.id, upload.bytes);
    await this.store.insertMedia(media);
    return media;
  }
}
