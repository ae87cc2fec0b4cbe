/**
 * Media items as X models them: a kind (which decides the media_key prefix and the GET `type`), a category
 * chosen at upload, and the limits X enforces per kind.
 */
export type MediaKind = 'photo' | 'animated_gif' | 'video' | 'amplify_video' | 'subtitles';

/** `media_key` is `<prefix>_<media id>`. */
export const MEDIA_KEY_PREFIX: Readonly<Record<MediaKind, string>> = {
  photo: '3',
  video: '7',
  amplify_video: '13',
  animated_gif: '16',
  subtitles: '23', // ours: X documents no prefix for subtitle files
};

/** The `type` GET /2/media reports for each kind. */
export const MEDIA_TYPE_NAME: Readonly<Record<MediaKind, string>> = {
  photo: 'photo',
  video: 'video',
  amplify_video: 'video',
  animated_gif: 'animated_gif',
  subtitles: 'subtitles',
};

export const MEDIA_CATEGORIES = [
  'tweet_image',
  'dm_image',
  'tweet_gif',
  'dm_gif',
  'tweet_video',
  'dm_video',
  'amplify_video',
  'subtitles',
] as const;
export type MediaCategory = (typeof MEDIA_CATEGORIES)[number];

export const MB = 1024 * 1024;

/** X's size limits per kind of file (SPEC.md §5). */
export const SIZE_LIMITS = {
  image: 5 * MB,
  gif: 15 * MB,
  video: 512 * MB,
  subtitles: 1 * MB, // ours: X documents none; SRT/VTT files are small
  chunk: 5 * MB,
} as const;

/** Segments of a chunked upload are numbered 0 to 999 (X's limit), so a file has at most 1000 of them. */
export const MAX_SEGMENT_INDEX = 999;
export const MAX_ADDITIONAL_OWNERS = 100;

/** X's limits on what processing accepts (SPEC.md §5; X's media best practices). */
export const PROCESSING_LIMITS = {
  /** tweet_video and dm_video: 140 seconds. */
  videoDurationMs: 140_000,
  /** amplify_video: 10 minutes (ours: X documents longer videos only for some accounts). */
  amplifyDurationMs: 600_000,
  gifMaxWidth: 1280,
  gifMaxHeight: 1080,
} as const;

export type ProcessingState = 'pending' | 'in_progress' | 'succeeded' | 'failed';

/**
 * Lifecycle of a media row: still receiving chunks, then processing (video, GIF), then ready or failed. Rows
 * store 'uploading' or the outcome; pending and in_progress are derived from time (src/domain/processing.ts).
 */
export type MediaState = 'uploading' | ProcessingState;

export const IMAGE_MEDIA_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/tiff'] as const;
export const VIDEO_MEDIA_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/mp2t'] as const;
export const SUBTITLE_MEDIA_TYPES = ['text/srt', 'text/vtt'] as const;

const CATEGORIES_BY_KIND: Readonly<Record<MediaKind, readonly MediaCategory[]>> = {
  photo: ['tweet_image', 'dm_image'],
  // A GIF is animated media whatever its category says (as in the one-shot upload).
  animated_gif: ['tweet_gif', 'dm_gif', 'tweet_image', 'dm_image'],
  video: ['tweet_video', 'dm_video'],
  amplify_video: ['amplify_video'],
  subtitles: ['subtitles'],
};

/**
 * What a declared media type (already canonical) makes of an upload, given its category: the kind decides the
 * media_key handed out at initialize. Undefined when xmedia does not take that type at all.
 */
export function kindOfType(mediaType: string, category: MediaCategory | undefined): MediaKind | undefined {
  if (mediaType === 'image/gif') return 'animated_gif';
  if ((IMAGE_MEDIA_TYPES as readonly string[]).includes(mediaType)) return 'photo';
  if ((VIDEO_MEDIA_TYPES as readonly string[]).includes(mediaType)) return category === 'amplify_video' ? 'amplify_video' : 'video';
  if ((SUBTITLE_MEDIA_TYPES as readonly string[]).includes(mediaType)) return 'subtitles';
  return undefined;
}

/** The category a client that sends none means (as twitter-api-v2 infers it). */
export function defaultCategory(kind: MediaKind): MediaCategory {
  return CATEGORIES_BY_KIND[kind][0]!;
}

export function categoryFits(kind: MediaKind, category: MediaCategory): boolean {
  return CATEGORIES_BY_KIND[kind].includes(category);
}

export function sizeLimitOf(kind: MediaKind): number {
  switch (kind) {
    case 'photo':
      return SIZE_LIMITS.image;
    case 'animated_gif':
      return SIZE_LIMITS.gif;
    case 'subtitles':
      return SIZE_LIMITS.subtitles;
    default:
      return SIZE_LIMITS.video;
  }
}

/** Video and GIF go through (simulated) processing after finalize; images and subtitles are ready at once. */
export function isProcessed(kind: MediaKind): boolean {
  return kind === 'video' || kind === 'amplify_video' || kind === 'animated_gif';
}

export function isVideo(kind: MediaKind): boolean {
  return kind === 'video' || kind === 'amplify_video';
}

export const MEDIA_ID_PATTERN = /^[0-9]{1,19}$/;
const MEDIA_KEY_PATTERN = /^([0-9]+)_([0-9]+)$/;

export function mediaKeyOf(kind: MediaKind, id: string): string {
  return `${MEDIA_KEY_PREFIX[kind]}_${id}`;
}

/** Splits a media key into prefix and id; undefined when it does not have X's shape. */
export function parseMediaKey(key: string): { prefix: string; id: string } | undefined {
  const match = MEDIA_KEY_PATTERN.exec(key);
  if (!match || !MEDIA_ID_PATTERN.test(match[2]!)) return undefined;
  return { prefix: match[1]!, id: match[2]! };
}

/** Alt text describes pictures: X takes it on photos and GIFs only (SPEC.md §1). */
export function acceptsAltText(kind: MediaKind): boolean {
  return kind === 'photo' || kind === 'animated_gif';
}
