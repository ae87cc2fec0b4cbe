import type { Redis, Result } from 'ioredis';
import { windowBounds, type RateLimitStore, type WindowSpec, type WindowState } from '../ratelimit/limiter.js';
import type { EphemeralStore } from './ephemeral.js';

/**
 * The Redis implementations of the two kinds of hot, shared, short-lived state (REDIS_URL): rate-limit
 * counters and OAuth codes/nonces. Each operation is one Redis command or one Lua script: atomic however
 * many instances share the server. Redis expires keys itself, on its own clock.
 */

/**
 * Every window of one request is incremented inside a single script, so N instances sharing Redis admit
 * exactly `limit` hits per window however the requests interleave. A window's key expires when it ends.
 */
const HIT_SCRIPT = `
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIREAT', key, ARGV[i]) end
  counts[i] = count
end
return counts
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    xmediaRateLimitHit(numberOfKeys: number, ...keysThenExpiries: string[]): Result<number[], Context>;
  }
}

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'xmedia:rl:',
  ) {
    redis.defineCommand('xmediaRateLimitHit', { lua: HIT_SCRIPT });
  }

  async hit(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]> {
    const bounds = windows.map((w) => windowBounds(w.windowSecs, nowMs));
    const keys = windows.map((w, i) => this.key(w, bounds[i]!.index));
    const counts = await this.redis.xmediaRateLimitHit(keys.length, ...keys, ...bounds.map((b) => String(b.resetSec * 1000)));
    return windows.map((w, i) => state(w, counts[i]!, bounds[i]!.resetSec, counts[i]! <= w.limit));
  }

  async peek(windows: readonly WindowSpec[], nowMs: number): Promise<WindowState[]> {
    if (windows.length === 0) return []; // MGET without keys is an error in Redis
    const bounds = windows.map((w) => windowBounds(w.windowSecs, nowMs));
    const values = await this.redis.mget(windows.map((w, i) => this.key(w, bounds[i]!.index)));
    return windows.map((w, i) => {
      const count = Number(values[i] ?? 0);
      return state(w, count, bounds[i]!.resetSec, count < w.limit);
    });
  }

  private key(window: WindowSpec, index: number): string {
    return `${this.prefix}${window.key}:${window.windowSecs}:${index}`;
  }
}

function state(window: WindowSpec, count: number, resetSec: number, allowed: boolean): WindowState {
  return { limit: window.limit, remaining: Math.max(0, window.limit - count), resetSec, allowed };
}

export class RedisEphemeralStore implements EphemeralStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'xmedia:eph:',
  ) {}

  async putIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, ttlMs), 'NX')) === 'OK';
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, value, 'PX', Math.max(1, ttlMs));
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }

  async take(key: string): Promise<string | undefined> {
    return (await this.redis.getdel(this.prefix + key)) ?? undefined;
  }
}
