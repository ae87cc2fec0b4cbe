import type { MediaRecord, SubtitleTrack } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { DomainError, mediaNotFound } from './errors.js';
import { acceptsAltText, isVideo } from './media.js';
import { isEmptyPatch, type MediaMetadata, type MetadataPatch } from './metadata.js';
import { visibleState } from './processing.js';

/** The caller as the domain sees it: a user acting through an app. */
export interface Caller {
  readonly userId: string;
  readonly appId: string;
}

/** X's names for the categories of videos that take subtitles. */
export type SubtitledCategory = 'TweetVideo' | 'AmplifyVideo';

/**
 * The rules of media and their metadata, independent of any wire shape: who may see and change a media
 * item, and what each kind accepts. How bytes become media is UploadService's.
 */
export class MediaService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** Uploader or additional owner, and not expired. Anything else is, to the caller, unknown. */
  static isOwnedLiveBy(media: MediaRecord, userId: string, nowMs: number): boolean {
    return media.expiresAtMs > nowMs && (media.ownerId === userId || media.additionalOwners.includes(userId));
  }

  /** Owned, live and finalized: an upload still receiving segments is not media yet. */
  static isVisibleTo(media: MediaRecord, userId: string, nowMs: number): boolean {
    return media.state !== 'uploading' && MediaService.isOwnedLiveBy(media, userId, nowMs);
  }

  /** Visible and not failed: what lookup and subtitles work on (media still processing included). */
  static isUsableBy(media: MediaRecord, userId: string, nowMs: number): boolean {
    return MediaService.isVisibleTo(media, userId, nowMs) && visibleState(media, nowMs) !== 'failed';
  }

  async findUsable(caller: Caller, id: string): Promise<MediaRecord | undefined> {
    const media = await this.store.getMedia(id);
    return media && MediaService.isUsableBy(media, caller.userId, this.now()) ? media : undefined;
  }

  /**
   * Upserts the patch; resolves to the whole metadata now stored. Media still processing take metadata (X's
   * clients set alt text right after finalize); media whose processing failed do not.
   */
  async updateMetadata(caller: Caller, mediaId: string, patch: MetadataPatch): Promise<MediaMetadata> {
    const found = this.store.getMediaNow?.(mediaId);
    const media = found === undefined ? await this.store.getMedia(mediaId) : (found ?? undefined);
    if (!media || !MediaService.isVisibleTo(media, caller.userId, this.now())) throw mediaNotFound(mediaId);
    if (visibleState(media, this.now()) === 'failed') {
      throw new DomainError('MEDIA_FAILED', 'mediaId', mediaId, `Media id ${mediaId} failed processing and cannot take metadata.`);
    }
    if (patch.altText !== undefined && !acceptsAltText(media.kind)) {
      throw new DomainError('ALT_TEXT_NOT_ALLOWED', 'altText', patch.altText ?? '', 'Alt text can only be set on images and GIFs.');
    }
    if (isEmptyPatch(patch)) return media.metadata;
    const stored = await this.store.updateMetadata(mediaId, patch, this.now());
    if (!stored) throw mediaNotFound(mediaId); // expired between the read and the write
    return stored;
  }

  /**
   * `lookup` of one media item without a promise, when the store can answer at once (the embedded store);
   * undefined otherwise (then call `lookup`). The item, or null when the caller may not see it.
   */
  lookupOneNow(caller: Caller, id: string): MediaRecord | null | undefined {
    const media = this.store.getMediaNow?.(id);
    if (media === undefined) return undefined;
    return media !== null && MediaService.isUsableBy(media, caller.userId, this.now()) ? media : null;
  }

  /** The media among `ids` the caller may see, in no particular order. */
  async lookup(caller: Caller, ids: readonly string[]): Promise<MediaRecord[]> {
    const now = this.now();
    const found = ids.length === 1 ? [await this.store.getMedia(ids[0]!)] : await this.store.getMediaMany(ids);
    return found.filter((m): m is MediaRecord => m !== undefined && MediaService.isUsableBy(m, caller.userId, now));
  }

  /** Attaches an uploaded SRT/VTT file to a video as the track of its language (replacing an older one). */
  async attachSubtitles(caller: Caller, videoId: string, category: SubtitledCategory, track: SubtitleTrack): Promise<SubtitleTrack[]> {
    await this.findSubtitledVideo(caller, videoId, category);
    const file = await this.findUsable(caller, track.mediaId);
    if (!file || file.kind !== 'subtitles') {
      throw new DomainError('NOT_SUBTITLES', 'subtitlesId', track.mediaId, `Subtitles media id ${track.mediaId} was not found.`);
    }
    const tracks = await this.store.putSubtitleTrack(videoId, track, this.now());
    if (!tracks) throw mediaNotFound(videoId);
    return tracks;
  }

  /** Detaches the track of `languageCode`; resolves to whether there was one. */
  async detachSubtitles(caller: Caller, videoId: string, category: SubtitledCategory, languageCode: string): Promise<boolean> {
    await this.findSubtitledVideo(caller, videoId, category);
    const deleted = await this.store.deleteSubtitleTrack(videoId, languageCode, this.now());
    if (deleted === undefined) throw mediaNotFound(videoId);
    return deleted;
  }

  private async findSubtitledVideo(caller: Caller, videoId: string, category: SubtitledCategory): Promise<MediaRecord> {
    const video = await this.findUsable(caller, videoId);
    if (!video) throw mediaNotFound(videoId);
    if (!isVideo(video.kind)) throw new DomainError('NOT_A_VIDEO', 'mediaId', videoId, `Media id ${videoId} is not a video.`);
    if ((category === 'AmplifyVideo') !== (video.kind === 'amplify_video')) {
      throw new DomainError('CATEGORY_MISMATCH', 'mediaCategory', category, `Media id ${videoId} is not a ${category}.`);
    }
    return video;
  }
}
