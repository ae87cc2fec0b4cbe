import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The test Redis (default redis://127.0.0.1:6379). Test files share it, so each run keeps its keys under a
 * prefix of its own and deletes them when done. When no server answers, `redisUnavailable` says why and
 * suites skip — unless XMEDIA_REQUIRE_REDIS=1 (CI sets it), where an unreachable server is a failure.
 */
export const TEST_REDIS_URL = process.env.XMEDIA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let probe: Promise<string | undefined> | undefined;

/** Undefined when Redis answers; otherwise the reason to skip. */
export function redisUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The connection's own error (ECONNREFUSED, ...) says more than the rejected connect ("Connection is closed").
    let cause: Error | undefined;
    redis.on('error', (error: Error) => (cause ??= error));
    try {
      await redis.connect();
      await redis.ping();
      return undefined;
    } catch (error) {
      const reason = `Redis not reachable at ${TEST_REDIS_URL} (${(cause ?? (error as Error)).message}); set XMEDIA_TEST_REDIS_URL`;
      if (process.env.XMEDIA_REQUIRE_REDIS === '1') throw new Error(reason);
      return reason;
    } finally {
      redis.disconnect();
    }
  })();
  return probe;
}

export interface TestRedis {
  /** Separate connections, as separate xmedia instances hold. */
  readonly clients: readonly Redis[];
  /** Unique to this run; every key the tests make starts with it. */
  readonly prefix: string;
  /** Deletes this run's keys and closes the connections. */
  cleanup(): Promise<void>;
}

/** Two connections, as two instances sharing one Redis. */
export async function connectTestRedis(): Promise<TestRedis> {
  const clients = await Promise.all(
    [1, 2].map(async () => {
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
      await redis.connect();
      return redis;
    }),
  );
  const prefix = `xmedia-test-${randomBytes(6).toString('hex')}:`;
  return {
    clients,
    prefix,
    async cleanup() {
      const [first] = clients;
      for await (const keys of first!.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
        if (keys.length > 0) await first!.del(...keys);
      }
      await Promise.all(clients.map((redis) => redis.quit()));
    },
  };
}
