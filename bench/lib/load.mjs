// autocannon, run in this process against a server in another.
import autocannon from 'autocannon';

/** `bodies`: send these in turn instead of one `body` (for example, one per media item). */
export async function load({ url, method = 'GET', headers = {}, body, bodies, connections = 32, durationSecs = 10 }) {
  let next = 0;
  const requests = bodies && [{ setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }) }];
  const result = await autocannon({ url, method, headers, body, requests, connections, duration: durationSecs, pipelining: 1 });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  return {
    requestsPerSec: result.requests.average,
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    total: result.requests.total,
    failures: non2xx,
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
