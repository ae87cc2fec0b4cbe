import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_APP_NAME } from '../src/auth/credentials.js';
import { assertProblem, TOO_MANY_REQUESTS_BODY } from './helpers/assertions.js';
import { get, postJson, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';

const WINDOW_SECS = 900;
const DAY_SECS = 86_400;

/** Asserts X's rate-limit headers (SPEC.md §3) and returns `remaining`. */
function assertRateLimitHeaders(result: HttpResult, limit: number, context: string): number {
  const nowSec = Date.now() / 1000;
  const header = (name: string): number => {
    const value = result.headers.get(name);
    assert.ok(value !== null && /^\d+$/.test(value), `${context}: ${name} is ${value}`);
    return Number(value);
  };
  assert.equal(header('x-rate-limit-limit'), limit, context);
  const remaining = header('x-rate-limit-remaining');
  assert.ok(remaining >= 0 && remaining < limit, `${context}: remaining ${remaining}`);
  const reset = header('x-rate-limit-reset');
  assert.ok(reset > nowSec - 1, `${context}: reset ${reset} is in the future (epoch seconds, now ${nowSec})`);
  assert.ok(reset <= nowSec + WINDOW_SECS + 1, `${context}: reset ${reset} is within one window of now ${nowSec}`);
  return remaining;
}

function assertAppDayHeaders(result: HttpResult, limit: number, context: string): void {
  const nowSec = Date.now() / 1000;
  assert.equal(result.headers.get('x-app-limit-24hour-limit'), String(limit), context);
  const remaining = Number(result.headers.get('x-app-limit-24hour-remaining'));
  assert.ok(remaining >= 0 && remaining < limit, `${context}: 24-hour remaining ${remaining}`);
  const reset = Number(result.headers.get('x-app-limit-24hour-reset'));
  assert.ok(reset > nowSec - 1 && reset <= nowSec + DAY_SECS + 1, `${context}: 24-hour reset ${reset}`);
}

function assertNoRateLimitHeaders(result: HttpResult): void {
  for (const name of result.headers.keys()) assert.ok(!/^x-(rate|app|user)-limit/.test(name), `unexpected header ${name}`);
}

/**
 * Runs `scenario` again if its requests straddled a window boundary (windows are aligned to Unix time, so
 * one in many thousand runs would otherwise see a counter reset midway).
 */
async function inOneWindow(scenario: (attempt: number) => Promise<HttpResult[]>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const results = await scenario(attempt);
    const resets = new Set(results.map((r) => r.headers.get('x-rate-limit-reset')));
    if (resets.size === 1 || attempt > 0) return;
  }
}

describe('rate-limit headers', () => {
  let server: TestServer;
  let token: string;
  let mediaId: string;
  let mediaKey: string;

  before(async () => {
    server = await startServer();
    token = await server.token('alice');
    const upload = await uploadImage(server.url, token, png());
    mediaId = upload.json.data.id;
    mediaKey = upload.json.data.media_key;
  });
  after(() => server.close());

  it('come on every authenticated answer of every route: 200, 400, 403 and 413 alike', async () => {
    const app = await server.appToken();
    const noScopes = await server.token('scopeless', []);
    const calls: [string, number, number, (t: string) => Promise<HttpResult>][] = [
      ['flat metadata 200', 500, 50_000, (t) => postJson(`${server.url}/2/media/metadata/create`, t, { media_id: mediaId })],
      ['flat metadata 400', 500, 50_000, (t) => postJson(`${server.url}/2/media/metadata/create`, t, '{bad json')],
      ['flat metadata 413', 500, 50_000, (t) => postJson(`${server.url}/2/media/metadata/create`, t, ' '.repeat(300 * 1024))],
      ['wrapped metadata 200', 500, 50_000, (t) => postJson(`${server.url}/2/media/metadata`, t, { id: mediaId })],
      ['wrapped metadata 400', 500, 50_000, (t) => postJson(`${server.url}/2/media/metadata`, t, { id: 1 })],
      ['upload 200', 500, 50_000, async (t) => postJson(`${server.url}/2/media/upload`, t, { media: png().toString('base64'), media_category: 'tweet_image' })],
      ['upload 400', 500, 50_000, (t) => postJson(`${server.url}/2/media/upload`, t, { media: 'x' })],
      ['lookup 200', 300, 0, (t) => get(`${server.url}/2/media/${mediaKey}`, t)],
      ['lookup 400', 300, 0, (t) => get(`${server.url}/2/media/nope`, t)],
      ['lookup many 200', 300, 0, (t) => get(`${server.url}/2/media?media_keys=${mediaKey}`, t)],
      ['lookup many 400', 300, 0, (t) => get(`${server.url}/2/media`, t)],
    ];
    for (const [name, limit, perDay, call] of calls) {
      for (const [who, caller, status] of [['user', token, undefined], ['app-only', app, 403], ['scopeless user', noScopes, 403]] as const) {
        const result = await call(caller);
        const context = `${name} as ${who}`;
        const expected = status ?? Number(name.slice(-3));
        assert.equal(result.status, expected, `${context}: ${result.text}`);
        assertRateLimitHeaders(result, limit, context);
        if (perDay > 0) assertAppDayHeaders(result, perDay, context);
        else assert.equal(result.headers.get('x-app-limit-24hour-limit'), null, context);
      }
    }
  });

  it('count down per user and endpoint; the two metadata routes share one limit', async () => {
    const bob = await server.token('bob');
    await inOneWindow(async () => {
      const results: HttpResult[] = [];
      const send = async (t: string, path: string, body: unknown): Promise<number> => {
        const result = await postJson(`${server.url}${path}`, t, body);
        results.push(result);
        return Number(result.headers.get('x-rate-limit-remaining'));
      };
      const lookup = async (): Promise<number> => {
        const result = await get(`${server.url}/2/media/${mediaKey}`, token);
        results.push(result);
        return Number(result.headers.get('x-rate-limit-remaining'));
      };
      const lookupBefore = await lookup();
      const first = await send(token, '/2/media/metadata/create', { media_id: mediaId });
      assert.equal(await send(token, '/2/media/metadata', { id: mediaId }), first - 1);
      assert.equal(await send(token, '/2/media/metadata/create', { media_id: mediaId }), first - 2);
      const bobFirst = await send(bob, '/2/media/metadata/create', { media_id: '1' });
      assert.equal(bobFirst, 499, 'bob has his own counter');
      assert.equal(await lookup(), lookupBefore - 1, 'lookups count apart from metadata');
      return results;
    });
  });

  it('count app-only tokens per app', async () => {
    const app = await server.ctx.credentials.ensureApp(DEFAULT_APP_NAME);
    const [one, two] = await Promise.all([server.ctx.credentials.issueAppToken(app), server.ctx.credentials.issueAppToken(app)]);
    await inOneWindow(async () => {
      const a = await get(`${server.url}/2/media/${mediaKey}`, one);
      const b = await get(`${server.url}/2/media/${mediaKey}`, two);
      assert.equal(Number(b.headers.get('x-rate-limit-remaining')), Number(a.headers.get('x-rate-limit-remaining')) - 1);
      return [a, b];
    });
  });
});

describe('rate limit exceeded', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer({ XMEDIA_RATE_LIMIT_METADATA: '3/1000' });
  });
  after(() => server.close());

  it('answers the fourth request in a window with X’s exact 429, headers included', async () => {
    await inOneWindow(async (attempt) => {
      const token = await server.token(`limited${attempt}`);
      const results: HttpResult[] = [];
      for (let i = 0; i < 3; i++) {
        const result = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: '1' });
        results.push(result);
        assert.equal(result.status, 400, 'unknown media, but counted');
        assert.equal(assertRateLimitHeaders(result, 3, `request ${i + 1}`), 2 - i);
      }
      for (const path of ['/2/media/metadata/create', '/2/media/metadata']) {
        const refused = await postJson(`${server.url}${path}`, token, { media_id: '1', id: '1' });
        results.push(refused);
        assertProblem(refused, 429, TOO_MANY_REQUESTS_BODY);
        assert.equal(refused.headers.get('x-rate-limit-limit'), '3');
        assert.equal(refused.headers.get('x-rate-limit-remaining'), '0');
        assert.ok(Number(refused.headers.get('x-rate-limit-reset')) > Date.now() / 1000 - 1);
      }
      const other = await server.token(`other${attempt}`);
      assert.equal((await postJson(`${server.url}/2/media/metadata/create`, other, { media_id: '1' })).status, 400, 'other users are not limited');
      assert.equal((await get(`${server.url}/2/media/3_1`, token)).status, 200, 'other endpoints are not limited');
      return results;
    });
  });
});

describe('rate limit per app per day', () => {
  it('answers 429 once the app’s daily cap is used, whichever user calls', async () => {
    const server = await startServer({ XMEDIA_RATE_LIMIT_METADATA: '100/2' });
    try {
      const alice = await server.token('alice');
      const bob = await server.token('bob');
      const first = await postJson(`${server.url}/2/media/metadata/create`, alice, { media_id: '1' });
      assert.equal(first.headers.get('x-app-limit-24hour-remaining'), '1');
      assert.equal((await postJson(`${server.url}/2/media/metadata/create`, bob, { media_id: '1' })).status, 400);
      const refused = await postJson(`${server.url}/2/media/metadata/create`, bob, { media_id: '1' });
      assertProblem(refused, 429, TOO_MANY_REQUESTS_BODY);
      assert.equal(refused.headers.get('x-app-limit-24hour-remaining'), '0');
    } finally {
      await server.close();
    }
  });
});

describe('rate limits off', () => {
  it('sends no rate-limit headers and never answers 429', async () => {
    const server = await startServer({ XMEDIA_RATE_LIMITS: 'off', XMEDIA_RATE_LIMIT_METADATA: '1/1' });
    try {
      const token = await server.token('alice');
      const upload = await uploadImage(server.url, token, png());
      for (let i = 0; i < 5; i++) {
        const result = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: upload.json.data.id });
        assert.equal(result.status, 200);
        assertNoRateLimitHeaders(result);
      }
      assertNoRateLimitHeaders(await get(`${server.url}/2/media/${upload.json.data.media_key}`, token));
      assertNoRateLimitHeaders(await postJson(`${server.url}/2/media/metadata`, token, { id: 'x' }));
      assertNoRateLimitHeaders(await postJson(`${server.url}/2/media/metadata`, await server.appToken(), { id: '1' }));
    } finally {
      await server.close();
    }
  });
});
