import type { RateLimitOutcome } from '../ratelimit/rate-limiter.js';

/** X's rate-limit headers (SPEC.md §3): reset times are Unix epoch seconds. */
export function rateLimitHeaders(outcome: RateLimitOutcome): Record<string, string> {
  const headers: Record<string, string> = {
    'x-rate-limit-limit': String(outcome.window.limit),
    'x-rate-limit-remaining': String(outcome.window.remaining),
    'x-rate-limit-reset': String(outcome.window.resetSec),
  };
  if (outcome.appDay) {
    headers['x-app-limit-24hour-limit'] = String(outcome.appDay.limit);
    headers['x-app-limit-24hour-remaining'] = String(outcome.appDay.remaining);
    headers['x-app-limit-24hour-reset'] = String(outcome.appDay.resetSec);
  }
  if (outcome.userDay) {
    headers['x-user-limit-24hour-limit'] = String(outcome.userDay.limit);
    headers['x-user-limit-24hour-remaining'] = String(outcome.userDay.remaining);
    headers['x-user-limit-24hour-reset'] = String(outcome.userDay.resetSec);
  }
  return headers;
}
