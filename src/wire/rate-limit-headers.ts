import type { RateLimitOutcome } from '../ratelimit/rate-limiter.js';

/** Where `setRateLimitHeaders` writes: a Fastify reply, or the fast lane's answer. */
export interface HeaderSink {
  header(name: string, value: string): unknown;
}

/** X's rate-limit headers (SPEC.md §3): reset times are Unix epoch seconds. Set one by one: no object per request. */
export function setRateLimitHeaders(reply: HeaderSink, outcome: RateLimitOutcome): void {
  reply.header('x-rate-limit-limit', String(outcome.window.limit));
  reply.header('x-rate-limit-remaining', String(outcome.window.remaining));
  reply.header('x-rate-limit-reset', String(outcome.window.resetSec));
  if (outcome.appDay) {
    reply.header('x-app-limit-24hour-limit', String(outcome.appDay.limit));
    reply.header('x-app-limit-24hour-remaining', String(outcome.appDay.remaining));
    reply.header('x-app-limit-24hour-reset', String(outcome.appDay.resetSec));
  }
  if (outcome.userDay) {
    reply.header('x-user-limit-24hour-limit', String(outcome.userDay.limit));
    reply.header('x-user-limit-24hour-remaining', String(outcome.userDay.remaining));
    reply.header('x-user-limit-24hour-reset', String(outcome.userDay.resetSec));
  }
}
