import type { MediaRecord } from '../storage/records.js';
import type { MediaState, ProcessingState } from './media.js';

/**
 * What STATUS shows about processing at a given moment. xmedia does not transcode: finalize analyses the file
 * at once and stores the outcome with two timestamps; the states X clients poll through are derived from the
 * clock (pending until `processingStartsAtMs`, in_progress until `readyAtMs`, then the outcome). No timer or
 * job lives in any process, so every instance answers the same, and a restart changes nothing.
 */
export interface ProcessingView {
  readonly state: ProcessingState;
  readonly checkAfterSecs?: number;
  readonly progressPercent: number;
  readonly error?: { readonly code: number; readonly name: string; readonly message: string };
}

export function visibleState(media: MediaRecord, nowMs: number): MediaState {
  if (media.state === 'uploading') return 'uploading';
  if (media.readyAtMs === null || nowMs >= media.readyAtMs) return media.state;
  return media.processingStartsAtMs !== null && nowMs < media.processingStartsAtMs ? 'pending' : 'in_progress';
}

/** Undefined for media that are never processed (images, subtitles) and for unfinalized uploads. */
export function processingView(media: MediaRecord, nowMs: number): ProcessingView | undefined {
  if (media.processingStartsAtMs === null || media.readyAtMs === null) return undefined;
  const state = visibleState(media, nowMs);
  switch (state) {
    case 'uploading':
      return undefined;
    case 'pending':
      return { state, checkAfterSecs: secondsUntil(media.processingStartsAtMs, nowMs), progressPercent: 0 };
    case 'in_progress': {
      const span = media.readyAtMs - media.processingStartsAtMs;
      const done = span <= 0 ? 0 : (nowMs - media.processingStartsAtMs) / span;
      return {
        state,
        checkAfterSecs: secondsUntil(media.readyAtMs, nowMs),
        progressPercent: Math.min(99, Math.max(1, Math.floor(done * 100))),
      };
    }
    case 'succeeded':
      return { state, progressPercent: 100 };
    case 'failed':
      // X's shape for a failed video (v1.1 STATUS documentation): code 1, InvalidMedia.
      return { state, progressPercent: 100, error: { code: 1, name: 'InvalidMedia', message: media.processingError ?? 'Invalid media' } };
  }
}

/** X's clients sleep check_after_secs between polls; never ask for less than a second. */
function secondsUntil(atMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((atMs - nowMs) / 1000));
}
