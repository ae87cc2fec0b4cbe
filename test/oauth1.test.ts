import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiResponseError } from 'twitter-api-v2';
import { request, type HttpResult } from './helpers/http.js';
import { png } from './helpers/images.js';
import { createApp, oauth1Header, twitterClient, type OAuth1Keys } from './helpers/oauth.js';
import { startServer, type TestServer } from './helpers/server.js';

const UNAUTHORIZED = { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' };

/** OAuth 1.0a user context (RFC 5849, HMAC-SHA1), as twitter-api-v2 and other X clients sign it. */
describe('OAuth 1.0a user context', () => {
  let server: TestServer;
  let keys: OAuth1Keys;
  let mediaId: string;

  async function oauth1Keys(target: TestServer, username: string): Promise<OAuth1Keys> {
    const created = await createApp(target);
    const user = await target.ctx.credentials.ensureUser(username);
    const { token, secret } = await target.ctx.credentials.issueOAuth1Token(user, created.app);
    return { consumerKey: created.consumerKey, consumerSecret: created.consumerSecret, token, tokenSecret: secret };
  }

  function signed(url: string, method: string, options: { body?: string; contentType?: string; header?: string; data?: Record<string, string> } = {}): Promise<HttpResult> {
    return request(url, {
      method,
      headers: {
        authorization: options.header ?? oauth1Header(keys, { url, method, ...(options.data && { data: options.data }) }),
        ...(options.contentType && { 'content-type': options.contentType }),
      },
      ...(options.body !== undefined && { body: options.body }),
    });
  }

  function assertUnauthorized(result: HttpResult): void {
    assert.equal(result.status, 401, result.text);
    assert.equal(result.headers.get('content-type'), 'application/problem+json');
    assert.deepEqual(result.json, UNAUTHORIZED);
  }

  const metadataBody = (text: string) => JSON.stringify({ media_id: mediaId, alt_text: { text } });

  before(async () => {
    server = await startServer();
    keys = await oauth1Keys(server, 'olivia');
    const client = twitterClient(server, {
      appKey: keys.consumerKey,
      appSecret: keys.consumerSecret,
      accessToken: keys.token,
      accessSecret: keys.tokenSecret,
    });
    const upload = await client.v2.post<{ data: { id: string } }>('media/upload', { media: png().toString('base64'), media_category: 'tweet_image' });
    mediaId = upload.data.id;
  });
  after(() => server.close());

  it('twitter-api-v2 (signing X’s own URL) uploads media and creates metadata in both shapes', async () => {
    const client = twitterClient(server, {
      appKey: keys.consumerKey,
      appSecret: keys.consumerSecret,
      accessToken: keys.token,
      accessSecret: keys.tokenSecret,
    });
    const upload = await client.v2.post<{ data: { id: string; media_key: string } }>('media/upload', {
      media: png(8, 8).toString('base64'),
      media_category: 'tweet_image',
    });
    assert.match(upload.data.media_key, /^3_[0-9]{19}$/);
    const wrapped = await client.v2.createMediaMetadata(upload.data.id, { alt_text: { text: 'signed' } });
    assert.deepEqual(wrapped.data.associated_metadata, { alt_text: { text: 'signed' } });
    const flat = await client.v2.post<{ data: { id: string } }>('media/metadata/create', { media_id: upload.data.id, alt_text: { text: 'flat' } });
    assert.equal(flat.data.id, upload.data.id);
  });

  it('accepts a signature over the URL as received, made by an independent implementation (oauth-1.0a)', async () => {
    const result = await signed(`${server.url}/2/media/metadata/create`, 'POST', {
      body: metadataBody('independent'),
      contentType: 'application/json',
    });
    assert.equal(result.status, 200, result.text);
    assert.ok(result.headers.get('x-rate-limit-remaining'));
  });

  it('signs query parameters: intact they pass, altered they fail', async () => {
    const url = `${server.url}/2/media?media_keys=3_${mediaId}&media.fields=alt_text,type`;
    const ok = await signed(url, 'GET');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.data[0].alt_text, 'independent');
    const header = oauth1Header(keys, { url, method: 'GET' });
    assertUnauthorized(await signed(url.replace('alt_text,type', 'type'), 'GET', { header }));
  });

  it('signs form-body parameters: intact the request gets past authentication, altered it does not', async () => {
    const url = `${server.url}/2/media/metadata/create`;
    const data = { media_id: mediaId, note: 'a b+c&d' };
    const header = oauth1Header(keys, { url, method: 'POST', data });
    const contentType = 'application/x-www-form-urlencoded';
    const intact = await signed(url, 'POST', { header, body: new URLSearchParams(data).toString(), contentType });
    // Authenticated, then refused for what it is: a form where JSON is required.
    assert.equal(intact.status, 400, intact.text);
    assert.equal(intact.json.errors[0].message, 'Requests with bodies must have content-type of application/json.');
    const header2 = oauth1Header(keys, { url, method: 'POST', data });
    const altered = await signed(url, 'POST', { header: header2, body: new URLSearchParams({ ...data, note: 'changed' }).toString(), contentType });
    assertUnauthorized(altered);
  });

  it('rejects a replayed nonce', async () => {
    const url = `${server.url}/2/media/metadata/create`;
    const header = oauth1Header(keys, { url, method: 'POST' });
    const first = await signed(url, 'POST', { header, body: metadataBody('once'), contentType: 'application/json' });
    assert.equal(first.status, 200, first.text);
    assertUnauthorized(await signed(url, 'POST', { header, body: metadataBody('once'), contentType: 'application/json' }));
  });

  it('accepts timestamps within 5 minutes either way and rejects skewed ones', async () => {
    const url = `${server.url}/2/media/metadata/create`;
    const now = Math.floor(Date.now() / 1000);
    for (const [timestamp, status] of [
      [now - 240, 200],
      [now + 240, 200],
      [now - 400, 401],
      [now + 400, 401],
    ] as const) {
      const header = oauth1Header(keys, { url, method: 'POST' }, { timestamp });
      const result = await signed(url, 'POST', { header, body: metadataBody('time'), contentType: 'application/json' });
      assert.equal(result.status, status, `timestamp ${timestamp - now}s from now: ${result.text}`);
    }
  });

  it('rejects an altered signature, wrong secrets, other methods and revoked tokens', async () => {
    const url = `${server.url}/2/media/metadata/create`;
    const post = (header: string) => signed(url, 'POST', { header, body: metadataBody('x'), contentType: 'application/json' });
    const good = oauth1Header(keys, { url, method: 'POST' });
    const signature = /oauth_signature="([^"]+)"/.exec(good)![1]!;
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    assertUnauthorized(await post(good.replace(signature, flipped)));
    assertUnauthorized(await post(oauth1Header({ ...keys, tokenSecret: 'wrong' }, { url, method: 'POST' })));
    assertUnauthorized(await post(oauth1Header({ ...keys, consumerSecret: 'wrong' }, { url, method: 'POST' })));
    assertUnauthorized(await post(oauth1Header({ ...keys, token: `${keys.token}x` }, { url, method: 'POST' })));
    assertUnauthorized(await post(oauth1Header(keys, { url, method: 'POST' }).replace('HMAC-SHA1', 'HMAC-SHA256')));
    assertUnauthorized(await post('OAuth oauth_consumer_key="'));
    // Signed for another method.
    assertUnauthorized(await post(oauth1Header(keys, { url, method: 'PUT' })));

    const revokedKeys = await oauth1Keys(server, 'rita');
    assert.equal(await server.ctx.store.revokeOAuth1Token(revokedKeys.token, Date.now()), true);
    assertUnauthorized(await post(oauth1Header(revokedKeys, { url, method: 'POST' })));
  });

  it('with XMEDIA_OAUTH1_ACCEPT_X_URLS=off only the URL as received is accepted', async () => {
    const strict = await startServer({ XMEDIA_OAUTH1_ACCEPT_X_URLS: 'off' });
    try {
      const strictKeys = await oauth1Keys(strict, 'sam');
      const client = twitterClient(strict, {
        appKey: strictKeys.consumerKey,
        appSecret: strictKeys.consumerSecret,
        accessToken: strictKeys.token,
        accessSecret: strictKeys.tokenSecret,
      });
      await assert.rejects(
        client.v2.post('media/upload', { media: png().toString('base64'), media_category: 'tweet_image' }),
        (error: unknown) => error instanceof ApiResponseError && error.code === 401,
      );
      const url = `${strict.url}/2/media/upload`;
      const result = await request(url, {
        method: 'POST',
        headers: { authorization: oauth1Header(strictKeys, { url, method: 'POST' }), 'content-type': 'application/json' },
        body: JSON.stringify({ media: png().toString('base64'), media_category: 'tweet_image' }),
      });
      assert.equal(result.status, 200, result.text);
    } finally {
      await strict.close();
    }
  });
});
