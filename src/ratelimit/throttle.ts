import type { RateLimitStore, WindowSpec } from './limiter.js';

/**
 * Brakes on guessing: failed sign-ins per account and per address, failed token-endpoint calls per address.
 * Only failures count, so a legitimate client is never slowed down however often it signs in or refreshes.
 * Counted in the same RateLimitStore as X's limits (so shared across instances with it) but independent of
 * XMEDIA_RATE_LIMITS: switching X's limits off for a load test must not open the door to password guessing.
 * The check and the count are two steps, so N concurrent failures may overshoot a limit by up to N - 1.
 */
export class Throttle {
  constructor(private readonly store: RateLimitStore) {}

  /** True when any rule (limit 0 = unlimited) has reached its limit of failures. */
  async isBlocked(rules: readonly WindowSpec[], nowMs: number): Promise<boolean> {
    const counted = rules.filter((rule) => rule.limit > 0);
    if (counted.length === 0) return false;
    return (await this.store.peek(counted, nowMs)).some((state) => !state.allowed);
  }

  async recordFailure(rules: readonly WindowSpec[], nowMs: number): Promise<void> {
    const counted = rules.filter((rule) => rule.limit > 0);
    if (counted.length > 0) await this.store.hit(counted, nowMs);
  }
}
