import { DomainError } from './errors.js';
import { isVideo, MB, PROCESSING_LIMITS, type MediaKind } from './media.js';
import { canonicalMimeType, detectFileType, sniffImage } from './sniff.js';

/** Random access to the bytes of an upload, wherever they are (one buffer, or segments in a blob store). */
export interface ByteSource {
  readonly size: number;
  read(start: number, end: number): Promise<Buffer>;
}

export function bufferSource(bytes: Buffer): ByteSource {
  return { size: bytes.length, read: async (start, end) => bytes.subarray(start, end) };
}

/** What the bytes say about themselves, and whether processing will accept them. */
export interface MediaFacts {
  readonly mimeType: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly durationMs: number | null;
  /** Set when the file is what it claims but breaks a processing rule (too long, too large): processing fails. */
  readonly processingError: string | null;
}

/** How much of a file magic-number detection reads (file-type's own sample size). */
const SNIFF_BYTES = 4100;

/**
 * Checks that the bytes are a whole file of the declared type and reads its facts. Lies about the type,
 * unreadable or truncated files throw (a 400 at finalize); files that are fine but break X's processing limits
 * come back with a `processingError` (processing ends `failed`, as X reports it).
 */
export async function analyzeUpload(source: ByteSource, kind: MediaKind, declaredType: string | undefined): Promise<MediaFacts> {
  if (source.size === 0) throw unreadable('The media is empty.');
  if (isVideo(kind)) return analyzeVideo(source, kind, declaredType);
  // Images (≤ 5 MB), GIFs (≤ 15 MB) and subtitles (≤ 1 MB) are small enough to read whole.
  const bytes = await source.read(0, source.size);
  if (kind === 'subtitles') return analyzeSubtitles(bytes, declaredType);
  const image = await sniffImage(bytes);
  if (!image) throw unreadable('The media is not a readable JPEG, PNG, GIF, WEBP, BMP or TIFF image.');
  checkDeclared(declaredType, image.mimeType);
  const tooLarge =
    image.animated && (image.width > PROCESSING_LIMITS.gifMaxWidth || image.height > PROCESSING_LIMITS.gifMaxHeight);
  return {
    mimeType: image.mimeType,
    width: image.width,
    height: image.height,
    durationMs: null,
    processingError: tooLarge
      ? `GIF resolution ${image.width}x${image.height} exceeds ${PROCESSING_LIMITS.gifMaxWidth}x${PROCESSING_LIMITS.gifMaxHeight}`
      : null,
  };
}

async function analyzeVideo(source: ByteSource, kind: MediaKind, declaredType: string | undefined): Promise<MediaFacts> {
  const head = await source.read(0, Math.min(source.size, SNIFF_BYTES));
  const sniffed = await detectFileType(head);
  const mimeType = sniffed && canonicalMimeType(sniffed.mime);
  if (!mimeType || !mimeType.startsWith('video/')) {
    if (mimeType) checkDeclared(declaredType, mimeType);
    throw unreadable('The media is not an MP4, QuickTime, WebM or MPEG-TS video.');
  }
  checkDeclared(declaredType, mimeType);
  if ((mimeType === 'video/mp4' || mimeType === 'video/quicktime') && !(await isobmffBoxesFill(source))) {
    throw unreadable('The video is truncated: its boxes do not add up to the uploaded bytes.');
  }
  const container = await readContainer(source);
  if (!container) throw unreadable('The video cannot be read: no video track was found in the container.');
  const limit = kind === 'amplify_video' ? PROCESSING_LIMITS.amplifyDurationMs : PROCESSING_LIMITS.videoDurationMs;
  return {
    mimeType,
    ...container,
    processingError:
      container.durationMs > limit ? `Duration too long, maximum:${limit}, actual:${container.durationMs}` : null,
  };
}

/** Duration and display size, read by mediabunny through ranged reads (the file is never loaded whole). */
async function readContainer(source: ByteSource): Promise<{ width: number; height: number; durationMs: number } | undefined> {
  // Loaded on the first video: ~10 MB of resident memory that servers handling only images never pay.
  const { ALL_FORMATS, CustomSource, Input } = await import('mediabunny');
  const input = new Input({
    formats: ALL_FORMATS,
    source: new CustomSource({
      getSize: () => source.size,
      read: (start, end) => source.read(start, end),
      maxCacheSize: 4 * MB,
    }),
  });
  try {
    const track = await input.getPrimaryVideoTrack();
    if (!track) return undefined;
    const seconds = await input.computeDuration();
    return { width: track.displayWidth, height: track.displayHeight, durationMs: Math.round(seconds * 1000) };
  } catch {
    return undefined;
  } finally {
    input.dispose();
  }
}

/**
 * ISO BMFF (MP4, QuickTime) is a sequence of top-level boxes that each state their size: a whole file is
 * exactly their sum. A parser reading only `moov` would not notice a truncated `mdat`; this walk does.
 */
async function isobmffBoxesFill(source: ByteSource): Promise<boolean> {
  let offset = 0;
  while (offset < source.size) {
    if (source.size - offset < 8) return false;
    const header = await source.read(offset, Math.min(source.size, offset + 16));
    let size = header.readUInt32BE(0);
    if (size === 1) {
      if (header.length < 16) return false;
      size = Number(header.readBigUInt64BE(8));
    } else if (size === 0) {
      return true; // the last box runs to the end of the file
    }
    if (size < 8) return false;
    offset += size;
  }
  return offset === source.size;
}

const SRT_START = /^\s*\d+\s*\r?\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{3}\s*-->/;
const VTT_START = /^\uFEFF?WEBVTT(?:[ \t].*)?(?:\r?\n|$)/;

/** SubRip and WebVTT have no magic numbers file-type knows; their first lines are distinctive enough. */
function analyzeSubtitles(bytes: Buffer, declaredType: string | undefined): MediaFacts {
  const text = bytes.toString('utf8');
  const mimeType = VTT_START.test(text) ? 'text/vtt' : SRT_START.test(text.replace(/^\uFEFF/, '')) ? 'text/srt' : undefined;
  if (!mimeType || !Buffer.from(text, 'utf8').equals(bytes)) {
    throw unreadable('The subtitles are not a UTF-8 SubRip (SRT) or WebVTT file.');
  }
  checkDeclared(declaredType, mimeType);
  return { mimeType, width: null, height: null, durationMs: null, processingError: null };
}

/** A client may leave the type out of a one-shot upload; what it does declare must be true. */
function checkDeclared(declaredType: string | undefined, actualType: string): void {
  if (declaredType !== undefined && canonicalMimeType(declaredType) !== actualType) {
    throw new DomainError('MEDIA_TYPE_MISMATCH', 'mediaType', declaredType, `The media is ${actualType}, not ${declaredType}.`);
  }
}

function unreadable(message: string): DomainError {
  return new DomainError('MEDIA_UNREADABLE', 'media', '', message);
}
