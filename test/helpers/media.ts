import type { MediaRecord } from '../../src/storage/records.js';
import type { TestServer } from './server.js';

/**
 * Puts a media row straight into the server's store, for states the HTTP API cannot reach (yet): a video
 * before chunked upload exists, an expired upload. Everything not given is a valid 4×3 PNG photo.
 */
export async function insertMedia(server: TestServer, ownerUsername: string, overrides: Partial<MediaRecord> = {}): Promise<MediaRecord> {
  const now = Date.now();
  const media: MediaRecord = {
    id: server.ctx.ids.next(),
    kind: 'photo',
    category: 'tweet_image',
    mimeType: 'image/png',
    ownerId: await server.userId(ownerUsername),
    appId: null,
    additionalOwners: [],
    shared: false,
    state: 'succeeded',
    size: 1000,
    width: 4,
    height: 3,
    durationMs: null,
    createdAtMs: now,
    expiresAtMs: now + 86_400_000,
    processingStartsAtMs: null,
    readyAtMs: null,
    processingError: null,
    subtitles: [],
    metadata: {},
    ...overrides,
  };
  await server.ctx.store.insertMedia(media);
  return media;
}

/** A video row (kind video, 7_ key), as a finished chunked upload would leave it. */
export function insertVideo(server: TestServer, ownerUsername: string): Promise<MediaRecord> {
  return insertMedia(server, ownerUsername, {
    kind: 'video',
    category: 'tweet_video',
    mimeType: 'video/mp4',
    width: 1280,
    height: 720,
    durationMs: 5000,
  });
}
