import { Authenticator } from './auth/authenticate.js';
import { Credentials } from './auth/credentials.js';
import type { Config } from './config.js';
import { SnowflakeIds } from './domain/ids.js';
import { ExpirySweeper } from './domain/expiry-sweeper.js';
import { MediaService } from './domain/media-service.js';
import { UploadService } from './domain/upload-service.js';
import { MemoryRateLimitStore } from './ratelimit/limiter.js';
import { RateLimiter } from './ratelimit/rate-limiter.js';
import type { BlobStore } from './storage/blobs/blob-store.js';
import { openBlobStore, openStore } from './storage/open.js';
import type { Store } from './storage/store.js';
import { ProblemFormatter } from './wire/problems.js';

/**
 * Everything a request handler may use, wired once at start-up. Handlers receive it instead of importing
 * singletons, so tests and the CLI build the same graph from the same Config.
 */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly ids: SnowflakeIds;
  readonly authenticator: Authenticator;
  readonly credentials: Credentials;
  readonly rateLimiter: RateLimiter;
  readonly media: MediaService;
  readonly uploads: UploadService;
  /** Not running until a server starts it (the CLI builds a context too). */
  readonly sweeper: ExpirySweeper;
  readonly problems: ProblemFormatter;
  readonly now: () => number;
}

export function createContext(config: Config): AppContext {
  const store = openStore(config);
  const blobs = openBlobStore(config);
  const ids = new SnowflakeIds();
  const now = Date.now;
  return {
    config,
    store,
    blobs,
    ids,
    authenticator: new Authenticator(store),
    credentials: new Credentials(store, ids, now),
    rateLimiter: new RateLimiter(config.rateLimits, new MemoryRateLimitStore()),
    media: new MediaService(store, now),
    uploads: new UploadService(store, blobs, ids, config.media, now),
    sweeper: new ExpirySweeper(store, blobs, config.media.sweepIntervalSecs * 1000, now),
    problems: new ProblemFormatter(config.problemHost),
    now,
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.store.close();
}
