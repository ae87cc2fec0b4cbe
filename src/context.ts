import { Authenticator } from './auth/authenticate.js';
import { Credentials } from './auth/credentials.js';
import { deriveKeys, loadMasterSecret, type DerivedKeys } from './auth/keys.js';
import { ConsentSessions } from './auth/oauth2/consent-session.js';
import { OAuth2Grants } from './auth/oauth2/grants.js';
import { SecretBox } from './auth/secret-box.js';
import type { Config } from './config.js';
import { SnowflakeIds } from './domain/ids.js';
import { ExpirySweeper } from './domain/expiry-sweeper.js';
import { MediaService } from './domain/media-service.js';
import { UploadService } from './domain/upload-service.js';
import { MemoryRateLimitStore, type RateLimitStore } from './ratelimit/limiter.js';
import { RateLimiter } from './ratelimit/rate-limiter.js';
import { Throttle } from './ratelimit/throttle.js';
import { MemoryEphemeralStore, type EphemeralStore } from './storage/ephemeral.js';
import type { Redis } from 'ioredis';
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
  /** Brakes on sign-in and token-endpoint guessing. */
  readonly throttle: Throttle;
  readonly keys: DerivedKeys;
  readonly oauth2: { readonly grants: OAuth2Grants; readonly sessions: ConsentSessions };
  readonly media: MediaService;
  readonly uploads: UploadService;
  /** Not running until a server starts it (the CLI builds a context too). */
  readonly sweeper: ExpirySweeper;
  readonly problems: ProblemFormatter;
  readonly now: () => number;
  /** Hot state shared between instances (REDIS_URL); null in the embedded default. */
  readonly redis: Redis | null;
}

export async function createContext(config: Config): Promise<AppContext> {
  const store = await openStore(config);
  const blobs = openBlobStore(config);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : null;
  const ids = new SnowflakeIds();
  const now = Date.now;
  const keys = deriveKeys(loadMasterSecret(config));
  const box = new SecretBox(keys.secrets);
  // Codes, nonces and counters: process memory while embedded; Redis when instances share state.
  let ephemeral: EphemeralStore = new MemoryEphemeralStore();
  let counters: RateLimitStore = new MemoryRateLimitStore();
  if (redis) {
    const shared = await import('./storage/redis.js');
    ephemeral = new shared.RedisEphemeralStore(redis, `${config.redisPrefix}eph:`);
    counters = new shared.RedisRateLimitStore(redis, `${config.redisPrefix}rl:`);
  }
  return {
    config,
    store,
    blobs,
    ids,
    authenticator: new Authenticator(store, ephemeral, box, config),
    credentials: new Credentials(store, ids, box, now),
    rateLimiter: new RateLimiter(config.rateLimits, counters),
    throttle: new Throttle(counters),
    keys,
    oauth2: {
      grants: new OAuth2Grants(store, ephemeral, config.oauth, now),
      sessions: new ConsentSessions(keys.cookies, config.oauth.signInSessionTtlSecs, config.publicUrl.startsWith('https:')),
    },
    media: new MediaService(store, now),
    uploads: new UploadService(store, blobs, ids, config.media, now),
    sweeper: new ExpirySweeper(store, blobs, config.media.sweepIntervalSecs * 1000, now, config.media.expiresAfterSecs * 1000),
    problems: new ProblemFormatter(config.problemHost),
    now,
    redis,
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.store.close();
  await ctx.redis?.quit();
}

/**
 * Connects eagerly, so a wrong REDIS_URL fails at start-up rather than on the first request. ioredis is
 * loaded only when configured, like the PostgreSQL driver.
 */
async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  return redis;
}
