// autocannon, run in this process (the load generator) against a server in another.
import autocannon from 'autocannon';

/**
 * `bodies`: send these in turn instead of one `body` (for example, one per media item); `makeBody`: called
 * once per request for a fresh body (every write distinct; it must be cheap, or the generator is the bottleneck).
 */
export async function load({ url, method = 'GET', headers = {}, body, bodies, makeBody, connections = 32, durationSecs = 10 }) {
  let next = 0;
  const fresh = makeBody ?? (bodies && (() => bodies[next++ % bodies.length]));
  const requests = fresh && [{ setupRequest: (request) => ({ ...request, body: fresh() }) }];
  const result = await autocannon({ url, method, headers, body, requests, connections, duration: durationSecs, pipelining: 1 });
  return {
    requestsPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
