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
    return outcomeOf(await this.store.hit(this.windows(endpoint, principal), nowMs));
  }

  /**
   * `check` without a promise, when the store can count at once (process memory); undefined otherwise (then
   * nothing was counted: call `check`). For principals that live as long as their token's cache entry
   * (Authenticator.authenticateNow's): their windows are built once and kept with them.
   */
  checkNow(endpoint: RateLimitedEndpoint, principal: Principal, nowMs: number): RateLimitOutcome | undefined {
    if (this.store.hitNow === undefined) return undefined;
    let perEndpoint = this.windowsOf.get(principal);
    if (perEndpoint === undefined) {
      perEndpoint = new Map();
      this.windowsOf.set(principal, perEndpoint);
    }
    let windows = perEndpoint.get(endpoint);
    if (windows === undefined) {
      windows = this.windows(endpoint, principal);
      perEndpoint.set(endpoint, windows);
    }
    const states = this.store.hitNow(windows, nowMs);
    return states && outcomeOf(states);
  }

  private readonly windowsOf = new WeakMap<Principal, Map<RateLimitedEndpoint, readonly WindowSpec[]>>();

  private windows(endpoint: RateLimitedEndpoint, principal: Principal): WindowSpec[] {
    const limits = this.config.endpoints[endpoint];
    const { windowSecs, daySecs } = this.config;
    const caller = principal.kind === 'user' ? `u:${principal.userId}` : `a:${principal.appId}`;
    const windows: WindowSpec[] = [{ key: `rl:${endpoint}:${caller}`, limit: limits.perWindow, windowSecs }];
    const daily = limits.perDay > 0;
    const userDaily = daily && principal.kind === 'user';
    if (daily) windows.push({ key: `rl:${endpoint}:app:${principal.appId}`, limit: limits.perDay, windowSecs: daySecs });
    if (userDaily) windows.push({ key: `rl:${endpoint}:day:${caller}`, limit: limits.perUserDay, windowSecs: daySecs });
    return windows;
  }
}

function outcomeOf(states: readonly WindowState[]): RateLimitOutcome {
  const [window, appDay, userDay] = states as [WindowState, WindowState?, WindowState?];
  const outcome: { -readonly [K in keyof RateLimitOutcome]: RateLimitOutcome[K] } = {
    allowed: window.allowed && (appDay?.allowed ?? true) && (userDay?.allowed ?? true),
    window,
  };
  if (appDay) outcome.appDay = appDay;
  if (userDay) outcome.userDay = userDay;
  return outcome;
}
