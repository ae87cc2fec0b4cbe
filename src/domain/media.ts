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

export type ProcessingState = 'pending' | 'in_progress' | 'succeeded' | 'failed';

/** Lifecycle of a media row: still receiving chunks, then processing (video, GIF), then ready or failed. */
export type MediaState = 'uploading' | ProcessingState;

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
