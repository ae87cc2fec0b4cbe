import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_APP_NAME } from '../src/auth/credentials.js';
import { sha256Hex } from '../src/auth/secrets.js';
import {
  assertProblem,
  FORBIDDEN_BODY,
  NOT_FOUND_BODY,
  UNAUTHORIZED_BODY,
  UNSUPPORTED_AUTHENTICATION_BODY,
} from './helpers/assertions.js';
import { nodeRequest, request, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { multipart } from './helpers/multipart.js';
import { startServer, type TestServer } from './helpers/server.js';

interface Route {
  name: string;
  scope: 'media.write' | 'tweet.read';
  /** Sends a request that would succeed for the right caller; `authorization` undefined sends no header. */
  call(authorization: string | undefined): Promise<HttpResult>;
}

/** SPEC.md §2 and §4: who may call what, and the exact bytes of every refusal. */
describe('authentication and authorization', () => {
  let server: TestServer;
  let aliceToken: string;
  let mediaId: string;
  let routes: Route[];

  before(async () => {
    server = await startServer();
    aliceToken = await server.token('alice');
    const upload = await uploadImage(server.url, aliceToken, png());
    assert.equal(upload.status, 200);
    mediaId = upload.json.data.id;
    const mediaKey: string = upload.json.data.media_key;
    const post = (path: string, body: unknown) => (authorization: string | undefined) =>
      request(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization !== undefined && { authorization }) },
        body: JSON.stringify(body),
      });
    const get = (path: string) => (authorization: string | undefined) =>
      request(`${server.url}${path}`, { headers: authorization !== undefined ? { authorization } : {} });
    routes = [
      { name: 'POST /2/media/metadata/create', scope: 'media.write', call: post('/2/media/metadata/create', { media_id: mediaId, alt_text: { text: 'x' } }) },
      { name: 'POST /2/media/metadata', scope: 'media.write', call: post('/2/media/metadata', { id: mediaId, metadata: { alt_text: { text: 'x' } } }) },
      {
        name: 'POST /2/media/upload',
        scope: 'media.write',
        call: (authorization) => {
          const form = multipart([
            { name: 'media_category', value: 'tweet_image' },
            { name: 'media', value: png() },
          ]);
          return request(`${server.url}/2/media/upload`, {
            method: 'POST',
            headers: { 'content-type': form.contentType, ...(authorization !== undefined && { authorization }) },
            body: new Uint8Array(form.body),
          });
        },
      },
      { name: 'GET /2/media/{media_key}', scope: 'tweet.read', call: get(`/2/media/${mediaKey}?media.fields=alt_text`) },
      { name: 'GET /2/media', scope: 'tweet.read', call: get(`/2/media?media_keys=${mediaKey}`) },
    ];
  });
  after(() => server.close());

  async function userToken(username: string, scopes: readonly string[], ttlMs: number | null = null): Promise<string> {
    const user = await server.ctx.credentials.ensureUser(username);
    const app = await server.ctx.credentials.ensureApp(DEFAULT_APP_NAME);
    return server.ctx.credentials.issueUserToken(user, app, scopes, ttlMs);
  }

  it('lets the right caller through on every route (so the refusals below are about auth alone)', async () => {
    for (const route of routes) {
      const result = await route.call(`Bearer ${aliceToken}`);
      assert.equal(result.status, 200, `${route.name}: ${result.text}`);
      assert.equal(result.json.errors, undefined, `${route.name}: ${result.text}`);
    }
  });

  it('answers 401 to no header, malformed headers and unknown tokens, without rate-limit headers', async () => {
    const headers = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer     ',
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
      `Token ${aliceToken}`,
      `${aliceToken}`,
      `Bearer ${aliceToken}x`,
      `Bearer ${aliceToken.slice(1)}`,
      `Bearer ${'a'.repeat(600)}`,
      'Bearer unknown-token',
      'OAuth oauth_consumer_key="k", oauth_token="t", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", oauth_version="1.0", oauth_signature="bad"',
    ];
    for (const route of routes) {
      for (const header of headers) {
        const result = await route.call(header);
        assertProblem(result, 401, UNAUTHORIZED_BODY);
        assert.equal(result.headers.get('x-rate-limit-limit'), null, `${route.name}: a 401 is not counted`);
      }
    }
  });

  it('takes the Bearer scheme in any case', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      assert.equal((await routes[3]!.call(`${scheme} ${aliceToken}`)).status, 200);
    }
  });

  it('answers 401 to an expired token', async () => {
    const token = await userToken('expiring', ['media.write', 'tweet.read'], 1);
    await sleep(20);
    for (const route of routes) assertProblem(await route.call(`Bearer ${token}`), 401, UNAUTHORIZED_BODY);
  });

  it('answers 401 to a revoked token, which worked before', async () => {
    const token = await userToken('revoking', ['media.write', 'tweet.read']);
    assert.equal((await routes[4]!.call(`Bearer ${token}`)).status, 200);
    assert.equal(await server.ctx.store.revokeToken(sha256Hex(token), Date.now()), true);
    for (const route of routes) assertProblem(await route.call(`Bearer ${token}`), 401, UNAUTHORIZED_BODY);
  });

  it('tells apart the callers of one kept-alive connection (as behind a proxy) and sees a revocation at once', async () => {
    // The server remembers each connection's token hashes (src/auth/authenticate.ts): never the wrong caller's.
    const reader = await userToken('proxied-reader', ['tweet.read']);
    const writer = await userToken('proxied-writer', ['media.write']);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = (options, callback) => {
      connections++;
      return connect(options, callback);
    };
    const lookup = async (token: string): Promise<number> =>
      (await nodeRequest(`${server.url}/2/media?media_keys=3_${mediaId}`, { headers: { authorization: `Bearer ${token}` }, agent })).status;
    try {
      const statuses = [];
      for (const token of [reader, writer, reader, 'not-a-token', writer, reader]) statuses.push(await lookup(token));
      assert.deepEqual(statuses, [200, 403, 200, 401, 403, 200]);
      assert.equal(await server.ctx.store.revokeToken(sha256Hex(reader), Date.now()), true);
      assert.equal(await lookup(reader), 401);
      assert.equal(connections, 1, 'every request went over one connection');
    } finally {
      agent.destroy();
    }
  });

  it('answers 403 unsupported-authentication to an app-only token on every user endpoint', async () => {
    const appToken = await server.appToken();
    for (const route of routes) assertProblem(await route.call(`Bearer ${appToken}`), 403, UNSUPPORTED_AUTHENTICATION_BODY);
  });

  it('answers 403 Forbidden to a user token without the scope the route needs', async () => {
    const readOnly = await userToken('reader', ['tweet.read', 'users.read']);
    const writeOnly = await userToken('writer', ['media.write']);
    const none = await userToken('nobody', []);
    for (const route of routes) {
      const lacking = route.scope === 'media.write' ? readOnly : writeOnly;
      assertProblem(await route.call(`Bearer ${lacking}`), 403, FORBIDDEN_BODY);
      assertProblem(await route.call(`Bearer ${none}`), 403, FORBIDDEN_BODY);
      const holding = route.scope === 'media.write' ? writeOnly : readOnly;
      assert.notEqual((await route.call(`Bearer ${holding}`)).status, 403, `${route.name} with ${route.scope}`);
    }
  });

  it('decides auth before reading the body: bad bodies of unknown callers get 401', async () => {
    const huge = new Uint8Array(10 * 1024 * 1024);
    for (const path of ['/2/media/metadata/create', '/2/media/metadata', '/2/media/upload']) {
      for (const body of ['{not json', huge]) {
        const result = await request(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
          body,
        });
        assertProblem(result, 401, UNAUTHORIZED_BODY);
      }
    }
  });

  it('answers unknown routes 404 whatever the token', async () => {
    for (const authorization of [undefined, `Bearer ${aliceToken}`]) {
      const result = await request(`${server.url}/2/media/nope/nope`, { headers: authorization ? { authorization } : {} });
      assertProblem(result, 404, NOT_FOUND_BODY);
    }
  });
});
