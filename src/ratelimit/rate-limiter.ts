import type { Config } from '../config.js';
import type { RateLimitedEndpoint } from '../domain/rate-limits.js';
import type { Principal } from '../auth/principal.js';
import type { RateLimitStore, WindowSpec, WindowState } from './limiter.js';

/** The outcome of one request against X's limits, ready to become headers. */
export interface RateLimitOutcome {
  readonly allowed: boolean;
  /** The per-user (per-app for app-only) 15-minute window: `x-rate-limit-*`. */
  readonly window: WindowState;
  /** The per-app daily cap, when the endpoint has one: `x-app-limit-24hour-*`. */
  readonly appDay?: WindowState;
  /** The per-user daily cap, for user-context callers of endpoints with daily caps: `x-user-limit-24hour-*`. */
  readonly userDay?: WindowState;
}

/**
 * X's rate limits (SPEC.md §3): per user per endpoint in 15-minute windows (per app for app-only tokens),
 * and per app and per user per 24 hours where X caps the day. One store call per request.
 */
export class RateLimiter {
  constructor(
    private readonly config: Config['rateLimits'],
    private readonly store: RateLimitStore,
  ) {}

  get enabled(): boolean {
    return this.config.enabled;
  }

  async check(endpoint: RateLimitedEndpoint, principal: Principal, nowMs: number): Promise<RateLimitOutcome> {
    const limits = this.config.endpoints[endpoint];
    const { windowSecs, daySecs } = this.config;
    const caller = principal.kind === 'user' ? `u:${principal.userId}` : `a:${principal.appId}`;
    const windows: WindowSpec[] = [{ key: `rl:${endpoint}:${caller}`, limit: limits.perWindow, windowSecs }];
    const daily = limits.perDay > 0;
    const userDaily = daily && principal.kind === 'user';
    if (daily) windows.push({ key: `rl:${endpoint}:app:${principal.appId}`, limit: limits.perDay, windowSecs: daySecs });
    if (userDaily) windows.push({ key: `rl:${endpoint}:day:${caller}`, limit: limits.perUserDay, windowSecs: daySecs });
    const [window, appDay, userDay] = await this.store.hit(windows, nowMs);
    return {
      allowed: window!.allowed && (appDay?.allowed ?? true) && (userDay?.allowed ?? true),
      window: window!,
      ...(appDay && { appDay }),
      ...(userDay && { userDay }),
    };
  }
}
