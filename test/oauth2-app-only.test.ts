import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiResponseError } from 'twitter-api-v2';
import { get, postJson, request, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { createApp, twitterClient } from './helpers/oauth.js';
import { startServer, type TestServer } from './helpers/server.js';

const UNAUTHORIZED = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };
const UNSUPPORTED_AUTHENTICATION = {
  title: 'Unsupported Authentication',
  detail:
    'Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].',
  type: 'https://api.twitter.com/2/problems/unsupported-authentication',
  status: 403,
};

function assertProblem(result: HttpResult, status: number, body: unknown): void {
  assert.equal(result.status, status, result.text);
  assert.equal(result.headers.get('content-type'), 'application/problem+json');
  assert.deepEqual(result.json, body);
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function postForm(url: string, fields: Record<string, string>, authorization?: string): Promise<HttpResult> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization && { authorization }) },
    body: new URLSearchParams(fields).toString(),
  });
}

/** SPEC.md §4's app-only flow: POST /oauth2/token, /oauth2/invalidate_token, and X's 403 for app-only tokens. */
describe('app-only authentication', () => {
  let server: TestServer;
  let mediaId: string;
  const userEndpoints = (): [string, (token: string | undefined) => Promise<HttpResult>][] => [
    ['POST /2/media/metadata/create', (t) => postJson(`${server.url}/2/media/metadata/create`, t, { media_id: mediaId, alt_text: { text: 'x' } })],
    ['POST /2/media/metadata', (t) => postJson(`${server.url}/2/media/metadata`, t, { id: mediaId, metadata: { alt_text: { text: 'x' } } })],
    ['POST /2/media/upload', (t) => postJson(`${server.url}/2/media/upload`, t, { media: png().toString('base64'), media_category: 'tweet_image' })],
    ['GET /2/media', (t) => get(`${server.url}/2/media?media_keys=3_${mediaId}`, t)],
    ['GET /2/media/:key', (t) => get(`${server.url}/2/media/3_${mediaId}`, t)],
  ];

  before(async () => {
    server = await startServer();
    const upload = await uploadImage(server.url, await server.token('alice'));
    mediaId = upload.json.data.id;
  });
  after(() => server.close());

  describe('app-only: POST /oauth2/token and /oauth2/invalidate_token', () => {
    it('twitter-api-v2 appLogin (consumer key and secret) gets a bearer token that X’s 403 stops on media writes', async () => {
      const created = await createApp(server);
      const appClient = await twitterClient(server, { appKey: created.consumerKey, appSecret: created.consumerSecret }).appLogin();
      const calls = [
        () => appClient.v2.post('media/upload', { media: png().toString('base64'), media_category: 'tweet_image' }),
        () => appClient.v2.createMediaMetadata(mediaId, { alt_text: { text: 'nope' } }),
        () => appClient.v2.post('media/metadata/create', { media_id: mediaId, alt_text: { text: 'nope' } }),
      ];
      for (const call of calls) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof ApiResponseError);
          assert.equal(error.code, 403);
          assert.deepEqual(error.data, UNSUPPORTED_AUTHENTICATION);
          return true;
        });
      }
    });

    it('issues tokens for client id and secret too, and invalidates them', async () => {
      const created = await createApp(server);
      const auth = basic(created.app.clientId, created.clientSecret!);
      const issued = await postForm(`${server.url}/oauth2/token`, { grant_type: 'client_credentials' }, auth);
      assert.equal(issued.status, 200, issued.text);
      assert.deepEqual(Object.keys(issued.json), ['token_type', 'access_token']);
      assert.equal(issued.json.token_type, 'bearer');
      const token = issued.json.access_token as string;
      assertProblem(await userEndpoints()[0]![1](token), 403, UNSUPPORTED_AUTHENTICATION);

      const other = await createApp(server);
      const foreign = await postForm(`${server.url}/oauth2/invalidate_token`, { access_token: token }, basic(other.consumerKey, other.consumerSecret));
      assert.equal(foreign.status, 403);
      assert.equal(foreign.json.errors[0].code, 348);

      const invalidated = await request(`${server.url}/oauth2/invalidate_token?access_token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { authorization: basic(created.consumerKey, created.consumerSecret) },
      });
      assert.equal(invalidated.status, 200, invalidated.text);
      assert.deepEqual(invalidated.json, { access_token: token });
      assertProblem(await userEndpoints()[0]![1](token), 401, UNAUTHORIZED);
    });

    it('answers bad credentials and a missing grant_type in X’s v1.1 error shape', async () => {
      const created = await createApp(server);
      const url = `${server.url}/oauth2/token`;
      const wrongSecret = await postForm(url, { grant_type: 'client_credentials' }, basic(created.consumerKey, 'wrong'));
      assert.equal(wrongSecret.status, 403);
      assert.deepEqual(wrongSecret.json, {
        errors: [{ code: 99, message: 'Unable to verify your credentials', label: 'authenticity_token_error' }],
      });
      const noAuth = await postForm(url, { grant_type: 'client_credentials' });
      assert.equal(noAuth.json.errors[0].code, 99);
      const noGrant = await postForm(url, {}, basic(created.consumerKey, created.consumerSecret));
      assert.equal(noGrant.status, 403);
      assert.deepEqual(noGrant.json, {
        errors: [{ code: 170, message: 'Missing required parameter: grant_type', label: 'forbidden_missing_parameter' }],
      });
    });
  });

  it('throttles failed token-endpoint calls per address', async () => {
    const strict = await startServer({ XMEDIA_TOKEN_FAILURE_LIMIT: '3' });
    try {
      const created = await createApp(strict);
      const url = `${strict.url}/oauth2/token`;
      // Failures are counted in fixed one-minute windows: start well inside one, so all four calls share it.
      const intoMinuteMs = Date.now() % 60_000;
      if (intoMinuteMs > 50_000) await sleep(60_000 - intoMinuteMs + 100);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await postForm(url, { grant_type: 'client_credentials' }, basic(created.consumerKey, 'wrong'))).status);
      const good = await postForm(url, { grant_type: 'client_credentials' }, basic(created.consumerKey, created.consumerSecret));
      assert.deepEqual([...statuses, good.status], [403, 403, 403, 429]);
      assertProblem(good, 429, { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' });
    } finally {
      await strict.close();
    }
  });
});
