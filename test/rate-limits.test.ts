import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postJson, type HttpResult } from './helpers/http.js';
import { uploadImage } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';

const TOO_MANY_REQUESTS = { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' };

async function withServer(env: Record<string, string>, run: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startServer(env);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

async function setup(server: TestServer): Promise<{ token: string; metadata: () => Promise<HttpResult> }> {
  const token = await server.token('alice');
  // Uploads count against their own endpoint, not against metadata.
  const mediaId = (await uploadImage(server.url, token)).json.data.id as string;
  return {
    token,
    metadata: () => postJson(`${server.url}/2/media/metadata/create`, token, { media_id: mediaId, alt_text: { text: 'hi' } }),
  };
}

function header(result: HttpResult, name: string): number {
  const value = result.headers.get(name);
  assert.ok(value !== null, `missing ${name}`);
  return Number(value);
}

/** SPEC.md §3: X's windows and headers. */
describe('rate limits', () => {
  it('admit exactly the limit under concurrency, then 429 with the headers', async () => {
    await withServer({ XMEDIA_RATE_LIMIT_METADATA: '10/1000/500', XMEDIA_RATE_LIMIT_WINDOW_SECS: '3600' }, async (server) => {
      const { metadata } = await setup(server);
      const results = await Promise.all(Array.from({ length: 50 }, () => metadata()));
      const ok = results.filter((r) => r.status === 200);
      const limited = results.filter((r) => r.status === 429);
      assert.equal(ok.length, 10);
      assert.equal(limited.length, 40);
      assert.deepEqual(ok.map((r) => header(r, 'x-rate-limit-remaining')).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const now = Date.now() / 1000;
      for (const result of limited) {
        assert.equal(result.headers.get('content-type'), 'application/problem+json');
        assert.deepEqual(result.json, TOO_MANY_REQUESTS);
        assert.equal(header(result, 'x-rate-limit-limit'), 10);
        assert.equal(header(result, 'x-rate-limit-remaining'), 0);
        const reset = header(result, 'x-rate-limit-reset');
        assert.ok(Number.isInteger(reset) && reset > now && reset <= now + 3600, `reset ${reset} is epoch seconds within the window`);
        assert.equal(header(result, 'x-app-limit-24hour-limit'), 1000);
        assert.equal(header(result, 'x-user-limit-24hour-limit'), 500);
      }
    });
  });

  it('send the 24-hour headers, per app and per user, and enforce the per-user daily cap', async () => {
    await withServer({ XMEDIA_RATE_LIMIT_METADATA: '100/1000/3' }, async (server) => {
      const { metadata } = await setup(server);
      const first = await metadata();
      assert.equal(first.status, 200);
      assert.equal(header(first, 'x-rate-limit-limit'), 100);
      assert.equal(header(first, 'x-rate-limit-remaining'), 99);
      assert.equal(header(first, 'x-app-limit-24hour-limit'), 1000);
      assert.equal(header(first, 'x-app-limit-24hour-remaining'), 999);
      assert.equal(header(first, 'x-user-limit-24hour-limit'), 3);
      assert.equal(header(first, 'x-user-limit-24hour-remaining'), 2);
      const reset = header(first, 'x-user-limit-24hour-reset');
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 86_400);
      await metadata();
      await metadata();
      const fourth = await metadata();
      assert.equal(fourth.status, 429);
      assert.equal(header(fourth, 'x-user-limit-24hour-remaining'), 0);
      assert.equal(header(fourth, 'x-rate-limit-remaining'), 96, 'the 15-minute window was not the one exhausted');
    });
  });

  it('count app-only callers per app and send no per-user daily headers to them', async () => {
    await withServer({ XMEDIA_RATE_LIMIT_METADATA: '2/1000' }, async (server) => {
      const appToken = await server.appToken();
      const call = () => postJson(`${server.url}/2/media/metadata/create`, appToken, { media_id: '1', alt_text: { text: 'x' } });
      const statuses = [(await call()).status, (await call()).status];
      const third = await call();
      assert.deepEqual([...statuses, third.status], [403, 403, 429], 'counted before the 403, limited before it too');
      assert.equal(third.headers.get('x-user-limit-24hour-limit'), null);
      assert.equal(header(third, 'x-app-limit-24hour-remaining'), 997);
    });
  });

  it('recover when the window ends', async () => {
    await withServer({ XMEDIA_RATE_LIMIT_METADATA: '2/1000', XMEDIA_RATE_LIMIT_WINDOW_SECS: '2' }, async (server) => {
      const { metadata } = await setup(server);
      let limited: HttpResult | undefined;
      // Windows are aligned to the clock, so one may end mid-loop; a 429 comes within a few calls regardless.
      for (let i = 0; i < 10 && !limited; i++) {
        const result = await metadata();
        if (result.status === 429) limited = result;
      }
      assert.ok(limited, 'the limit of 2 was reached');
      const resetMs = header(limited, 'x-rate-limit-reset') * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, resetMs - Date.now()) + 50));
      const after = await metadata();
      assert.equal(after.status, 200, after.text);
      assert.equal(header(after, 'x-rate-limit-remaining'), 1);
    });
  });

  it('XMEDIA_RATE_LIMITS=off counts nothing and sends no headers', async () => {
    await withServer({ XMEDIA_RATE_LIMITS: 'off', XMEDIA_RATE_LIMIT_METADATA: '1/1' }, async (server) => {
      const { metadata } = await setup(server);
      for (let i = 0; i < 3; i++) {
        const result = await metadata();
        assert.equal(result.status, 200);
        assert.equal(result.headers.get('x-rate-limit-limit'), null);
        assert.equal(result.headers.get('x-app-limit-24hour-limit'), null);
      }
    });
  });
});
