import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { Config } from '../config.js';
import { blobKey, type BlobStore } from '../storage/blobs/blob-store.js';
import { SegmentedBlob } from '../storage/blobs/segmented-blob.js';
import type { MediaRecord, SegmentRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { analyzeUpload, bufferSource, type MediaFacts } from './analysis.js';
import { DomainError, mediaNotFound } from './errors.js';
import type { SnowflakeIds } from './ids.js';
import {
  categoryFits,
  defaultCategory,
  isProcessed,
  kindOfType,
  MB,
  sizeLimitOf,
  SIZE_LIMITS,
  type MediaCategory,
  type MediaKind,
} from './media.js';
import { MediaService, type Caller } from './media-service.js';
import { canonicalMimeType } from './sniff.js';

export interface OneShotUpload {
  readonly bytes: Buffer;
  readonly category: MediaCategory;
  /** What the client says the bytes are; checked against what they are. */
  readonly declaredType?: string;
  readonly additionalOwners: readonly string[];
  readonly shared: boolean;
}

export interface InitializeUpload {
  readonly mediaType: string;
  readonly totalBytes: number;
  readonly category?: MediaCategory;
  readonly additionalOwners: readonly string[];
  readonly shared: boolean;
}

/** A segment whose bytes are durable in the blob store but not yet recorded as part of its upload. */
export interface ReceivedSegment {
  readonly mediaId: string;
  readonly blobKey: string;
  readonly size: number;
  readonly sha256: string;
  readonly expiresAtMs: number;
}

/** A request's file as it streams in, or bytes already in memory. */
export type ByteChunks = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

const ONE_SHOT_CATEGORIES: ReadonlySet<MediaCategory> = new Set(['tweet_image', 'dm_image', 'tweet_gif', 'dm_gif', 'subtitles']);

/**
 * How bytes become media: the one-shot upload, and chunked upload sessions (initialize, append, finalize,
 * status) as X runs them. Every step reads and writes the store and the blob store only, so consecutive steps
 * of one upload may land on different instances; nothing about an upload lives in process memory.
 */
export class UploadService {
  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly ids: SnowflakeIds,
    private readonly settings: Config['media'],
    private readonly now: () => number,
  ) {}

  /** One-shot upload of an image, GIF or subtitle file: sniffed, measured, stored durably, then recorded. */
  async uploadOneShot(caller: Caller, upload: OneShotUpload): Promise<MediaRecord> {
    if (!ONE_SHOT_CATEGORIES.has(upload.category)) {
      throw new DomainError(
        'CATEGORY_MISMATCH',
        'mediaCategory',
        upload.category,
        `Media category ${upload.category} needs the chunked upload (initialize, append, finalize).`,
      );
    }
    const provisional: MediaKind = upload.category === 'subtitles' ? 'subtitles' : 'photo';
    const facts = await analyzeUpload(bufferSource(upload.bytes), provisional, upload.declaredType);
    if (facts.processingError !== null) throw new DomainError('MEDIA_UNREADABLE', 'media', '', `${facts.processingError}.`);
    const kind: MediaKind = facts.mimeType === 'image/gif' ? 'animated_gif' : provisional;
    checkSize(kind, upload.bytes.length, 'media');
    const now = this.now();
    const id = this.ids.next(now);
    const media: MediaRecord = {
      ...this.newRecord(caller, id, kind, upload.category, facts.mimeType, upload.bytes.length, upload, now),
      state: 'succeeded',
      width: facts.width,
      height: facts.height,
      readyAtMs: now,
    };
    // The one blob of a one-shot upload is named after the media id itself (deleteGroup removes it too).
    const segment: SegmentRecord = {
      index: 0,
      blobKey: id,
      size: upload.bytes.length,
      sha256: createHash('sha256').update(upload.bytes).digest('hex'),
    };
    // Bytes first: a row must never point at a blob that is not there.
    await this.blobs.put(segment.blobKey, upload.bytes);
    await this.store.insertMedia(media, [segment]);
    return media;
  }

  /** Opens an upload session: a media id (and key) that accepts segments until finalized or expired. */
  async initialize(caller: Caller, request: InitializeUpload): Promise<MediaRecord> {
    const mediaType = canonicalMimeType(request.mediaType);
    const kind = kindOfType(mediaType, request.category);
    if (!kind) {
      throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'mediaType', request.mediaType, `Media type ${request.mediaType} is not supported.`);
    }
    const category = request.category ?? defaultCategory(kind);
    if (!categoryFits(kind, category)) {
      throw new DomainError('CATEGORY_MISMATCH', 'mediaCategory', category, `Media category ${category} does not take ${mediaType}.`);
    }
    if (request.totalBytes === 0) {
      throw new DomainError('MEDIA_UNREADABLE', 'totalBytes', '0', 'The media is empty: total_bytes must be at least 1.');
    }
    checkSize(kind, request.totalBytes, 'totalBytes');
    const now = this.now();
    const media = this.newRecord(caller, this.ids.next(now), kind, category, mediaType, request.totalBytes, request, now);
    await this.store.insertMedia(media);
    return media;
  }

  /**
   * Checks that the session accepts segments, then streams `source` into a new blob: the bytes go to disk as
   * they arrive, never gathered in memory. Over 5 MB is refused. The caller must `commitSegment` or
   * `discardSegment` the result.
   */
  async receiveSegment(caller: Caller, mediaId: string, source: ByteChunks): Promise<ReceivedSegment> {
    const session = await this.findOpenSession(caller, mediaId);
    const key = blobKey(mediaId, `segment-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    const size = await this.blobs.putStream(key, hashedAndLimited(source, hash, SIZE_LIMITS.chunk));
    return { mediaId, blobKey: key, size, sha256: hash.digest('hex'), expiresAtMs: session.expiresAtMs };
  }

  /** Records a received segment as segment `index`; a retry with the same bytes is accepted again. */
  async commitSegment(received: ReceivedSegment, index: number): Promise<{ expiresAtMs: number }> {
    try {
      if (received.size === 0) throw new DomainError('MEDIA_UNREADABLE', 'media', '', 'The segment is empty.');
      const segment = { index, blobKey: received.blobKey, size: received.size, sha256: received.sha256 };
      const outcome = await this.store.addSegment(received.mediaId, segment, this.now());
      switch (outcome.kind) {
        case 'added':
          return { expiresAtMs: received.expiresAtMs };
        case 'duplicate':
          await this.discardSegment(received);
          return { expiresAtMs: received.expiresAtMs };
        case 'conflict':
          throw new DomainError(
            'SEGMENT_CONFLICT',
            'segmentIndex',
            String(index),
            `Segment ${index} was already appended with different bytes.`,
          );
        case 'over_total':
          throw new DomainError(
            'SEGMENTS_OVER_TOTAL',
            'segmentIndex',
            String(index),
            `Segment ${index} (${received.size} bytes) would take the upload past its total_bytes; ${outcome.receivedBytes} bytes were received before it.`,
          );
        case 'not_uploading':
          throw await this.whyNotOpen(received.mediaId);
      }
    } catch (error) {
      await this.discardSegment(received);
      throw error;
    }
  }

  async discardSegment(received: ReceivedSegment): Promise<void> {
    await this.blobs.delete(received.blobKey);
  }

  /**
   * Checks that segments 0..n-1 are all there and add up to total_bytes, checks the bytes against the declared
   * type, reads their facts, and records the outcome. The segments stay where they are: the media's bytes are
   * their concatenation (see SegmentedBlob), so finalize costs no copy of the file.
   */
  async finalize(caller: Caller, mediaId: string): Promise<MediaRecord> {
    const session = await this.findOpenSession(caller, mediaId);
    const segments = await this.store.listSegments(mediaId);
    const missing = segments.findIndex((segment, i) => segment.index !== i);
    if (segments.length === 0 || missing !== -1) {
      const index = segments.length === 0 ? 0 : missing;
      throw new DomainError(
        'SEGMENTS_MISSING',
        'mediaId',
        mediaId,
        `Segment ${index} is missing: segments must be appended as 0, 1, 2, ... without gaps.`,
      );
    }
    const received = segments.reduce((sum, segment) => sum + segment.size, 0);
    if (received !== session.size) {
      throw new DomainError(
        'SEGMENTS_SIZE_MISMATCH',
        'mediaId',
        mediaId,
        `The segments add up to ${received} bytes, not the ${session.size} bytes of total_bytes.`,
      );
    }
    const facts = await analyzeUpload(new SegmentedBlob(this.blobs, segments), session.kind, session.mimeType);
    const now = this.now();
    const finalized = await this.store.finalizeMedia(
      mediaId,
      { segmentCount: segments.length, totalBytes: received },
      { ...facts, ...this.processingSchedule(session.kind, facts, now) },
      now,
    );
    if (!finalized) throw await this.whyNotOpen(mediaId);
    return finalized;
  }

  /** A finalized upload the caller may see (processing or done), or undefined: STATUS has nothing to report. */
  async status(caller: Caller, mediaId: string): Promise<MediaRecord | undefined> {
    const media = await this.store.getMedia(mediaId);
    return media && MediaService.isVisibleTo(media, caller.userId, this.now()) ? media : undefined;
  }

  private processingSchedule(
    kind: MediaKind,
    facts: MediaFacts,
    now: number,
  ): { state: 'succeeded' | 'failed'; processingStartsAtMs: number | null; readyAtMs: number } {
    const state = facts.processingError === null ? 'succeeded' : 'failed';
    if (!isProcessed(kind)) return { state, processingStartsAtMs: null, readyAtMs: now };
    const startsAt = now + this.settings.processingPendingMs;
    return { state, processingStartsAtMs: startsAt, readyAtMs: startsAt + this.settings.processingMs };
  }

  /** An unexpired session of the caller's that still accepts segments. */
  private async findOpenSession(caller: Caller, mediaId: string): Promise<MediaRecord> {
    const media = await this.store.getMedia(mediaId);
    if (!media || !MediaService.isOwnedLiveBy(media, caller.userId, this.now())) throw mediaNotFound(mediaId);
    if (media.state !== 'uploading') throw alreadyFinalized(mediaId);
    return media;
  }

  private async whyNotOpen(mediaId: string): Promise<DomainError> {
    const media = await this.store.getMedia(mediaId);
    return media && media.state !== 'uploading' && media.expiresAtMs > this.now() ? alreadyFinalized(mediaId) : mediaNotFound(mediaId);
  }

  private newRecord(
    caller: Caller,
    id: string,
    kind: MediaKind,
    category: MediaCategory,
    mimeType: string,
    size: number,
    owners: { readonly additionalOwners: readonly string[]; readonly shared: boolean },
    now: number,
  ): MediaRecord {
    return {
      id,
      kind,
      category,
      mimeType,
      ownerId: caller.userId,
      appId: caller.appId,
      additionalOwners: [...owners.additionalOwners],
      shared: owners.shared,
      state: 'uploading',
      size,
      width: null,
      height: null,
      durationMs: null,
      createdAtMs: now,
      expiresAtMs: now + this.settings.expiresAfterSecs * 1000,
      processingStartsAtMs: null,
      readyAtMs: null,
      processingError: null,
      subtitles: [],
      metadata: {},
    };
  }
}

function checkSize(kind: MediaKind, size: number, field: 'media' | 'totalBytes'): void {
  const limit = sizeLimitOf(kind);
  if (size > limit) {
    throw new DomainError(
      'MEDIA_TOO_LARGE',
      field,
      String(size),
      `The media is ${size} bytes; ${kind === 'photo' ? 'images' : kind === 'animated_gif' ? 'GIFs' : kind} may be at most ${limit / MB} MB.`,
    );
  }
}

function alreadyFinalized(mediaId: string): DomainError {
  return new DomainError('ALREADY_FINALIZED', 'mediaId', mediaId, `Media id ${mediaId} is already finalized.`);
}

/** Passes chunks through while hashing them; throws once more than `limit` bytes have come. */
async function* hashedAndLimited(source: ByteChunks, hash: Hash, limit: number): AsyncIterable<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > limit) throw segmentTooLarge(size);
    hash.update(chunk);
    yield chunk;
  }
}

function segmentTooLarge(size: number): DomainError {
  return new DomainError('MEDIA_TOO_LARGE', 'media', String(size), `A segment may be at most ${SIZE_LIMITS.chunk} bytes (5 MB).`);
}
