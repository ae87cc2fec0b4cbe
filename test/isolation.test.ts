import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../src/auth/secrets.js';
import { request, type HttpResult } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { insertMedia, insertVideo } from './helpers/media.js';
import { CALLBACK, createApp } from './helpers/oauth.js';
import { startServer, type TestServer } from './helpers/server.js';

/**
 * Issue 7, "one user never touches another's media": every endpoint that names a media item, an upload or a
 * token is called by user B with user A's id, and again with a never-issued id of the same shape. Both must be
 * refused with the same bytes (status, headers but the date and rate-limit counters, body with the id put
 * back), so an answer never tells B that A's item exists. Then A's items must be exactly as they were.
 */

/** The ids one call may name: a finalized photo, an open upload, a video (with A's subtitles), a subtitles file. */
interface Ids {
  photo: string;
  upload: string;
  video: string;
  subs: string;
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

type Call = (token: string | undefined, ids: Ids) => Promise<HttpResult>;

function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

function json(method: 'POST' | 'DELETE', path: string, body: unknown): (token: string | undefined, base: string) => Promise<HttpResult> {
  return (token, base) =>
    request(base + path, { method, headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function form(fields: Record<string, string>, media?: Buffer): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  if (media) body.append('media', new Blob([new Uint8Array(media)]));
  return body;
}

const SEGMENT = png(6, 5);

/** One row per way of naming someone's media; `url` is the server's base URL. */
function calls(url: string): [string, Call][] {
  const post = (path: string, body: FormData | URLSearchParams, token: string | undefined) =>
    request(url + path, { method: 'POST', headers: bearer(token), body });
  return [
    ['POST /2/media/metadata/create (flat)', (t, ids) => json('POST', '/2/media/metadata/create', { media_id: ids.photo, alt_text: { text: 'B was here' } })(t, url)],
    ['POST /2/media/metadata (wrapped)', (t, ids) => json('POST', '/2/media/metadata', { id: ids.photo, metadata: { alt_text: { text: 'B was here' } } })(t, url)],
    ['POST /2/media/metadata (wrapped, empty patch)', (t, ids) => json('POST', '/2/media/metadata', { id: ids.photo, metadata: {} })(t, url)],
    ['POST /2/media/metadata/create on an open upload', (t, ids) => json('POST', '/2/media/metadata/create', { media_id: ids.upload, alt_text: { text: 'x' } })(t, url)],
    ['GET /2/media/{key} (photo)', (t, ids) => request(`${url}/2/media/3_${ids.photo}`, { headers: bearer(t) })],
    ['GET /2/media/{key} (video)', (t, ids) => request(`${url}/2/media/7_${ids.video}`, { headers: bearer(t) })],
    ['GET /2/media/{key} (open upload)', (t, ids) => request(`${url}/2/media/3_${ids.upload}`, { headers: bearer(t) })],
    ['GET /2/media?media_keys= (one)', (t, ids) => request(`${url}/2/media?media_keys=3_${ids.photo}`, { headers: bearer(t) })],
    ['GET /2/media?media_keys= (several)', (t, ids) => request(`${url}/2/media?media_keys=3_${ids.photo},7_${ids.video},23_${ids.subs}`, { headers: bearer(t) })],
    ['GET /2/media?media_keys=&media.fields=', (t, ids) => request(`${url}/2/media?media_keys=7_${ids.video}&media.fields=width,height,duration_ms,variants,preview_image_url`, { headers: bearer(t) })],
    ['POST /2/media/upload/{id}/append (multipart)', (t, ids) => post(`/2/media/upload/${ids.upload}/append`, form({ segment_index: '1' }, SEGMENT), t)],
    ['POST /2/media/upload/{id}/append (JSON)', (t, ids) => json('POST', `/2/media/upload/${ids.upload}/append`, { segment_index: 1, media: SEGMENT.toString('base64') })(t, url)],
    ['POST /2/media/upload/{id}/append (same segment again)', (t, ids) => post(`/2/media/upload/${ids.upload}/append`, form({ segment_index: '0' }, SEGMENT), t)],
    ['POST /2/media/upload/{id}/append on a finalized photo', (t, ids) => post(`/2/media/upload/${ids.photo}/append`, form({ segment_index: '0' }, SEGMENT), t)],
    ['POST /2/media/upload/{id}/finalize', (t, ids) => request(`${url}/2/media/upload/${ids.upload}/finalize`, { method: 'POST', headers: bearer(t) })],
    ['POST /2/media/upload/{id}/finalize on a finalized photo', (t, ids) => request(`${url}/2/media/upload/${ids.photo}/finalize`, { method: 'POST', headers: bearer(t) })],
    ['GET /2/media/upload?command=STATUS (photo)', (t, ids) => request(`${url}/2/media/upload?command=STATUS&media_id=${ids.photo}`, { headers: bearer(t) })],
    ['GET /2/media/upload?command=STATUS (video)', (t, ids) => request(`${url}/2/media/upload?command=STATUS&media_id=${ids.video}`, { headers: bearer(t) })],
    ['GET /2/media/upload?command=STATUS (open upload)', (t, ids) => request(`${url}/2/media/upload?command=STATUS&media_id=${ids.upload}`, { headers: bearer(t) })],
    ['POST /2/media/upload command=APPEND (multipart)', (t, ids) => post('/2/media/upload', form({ command: 'APPEND', media_id: ids.upload, segment_index: '1' }, SEGMENT), t)],
    ['POST /2/media/upload command=APPEND (form, media_data)', (t, ids) =>
      post('/2/media/upload', new URLSearchParams({ command: 'APPEND', media_id: ids.upload, segment_index: '1', media_data: SEGMENT.toString('base64') }), t)],
    ['POST /2/media/upload command=FINALIZE (form)', (t, ids) => post('/2/media/upload', form({ command: 'FINALIZE', media_id: ids.upload }), t)],
    ['POST /2/media/upload?command=FINALIZE (query)', (t, ids) => request(`${url}/2/media/upload?command=FINALIZE&media_id=${ids.upload}`, { method: 'POST', headers: bearer(t) })],
    ['POST /2/media/subtitles (A’s video)', (t, ids) =>
      json('POST', '/2/media/subtitles', { id: ids.video, media_category: 'TweetVideo', subtitles: { id: ids.subs, language_code: 'DE', display_name: 'B' } })(t, url)],
    ['DELETE /2/media/subtitles (A’s video)', (t, ids) => json('DELETE', '/2/media/subtitles', { id: ids.video, media_category: 'TweetVideo', language_code: 'EN' })(t, url)],
    ['POST /1.1/media/upload.json APPEND', (t, ids) => post('/1.1/media/upload.json', form({ command: 'APPEND', media_id: ids.upload, segment_index: '1' }, SEGMENT), t)],
    ['POST /1.1/media/upload.json APPEND (media_data)', (t, ids) =>
      post('/1.1/media/upload.json', new URLSearchParams({ command: 'APPEND', media_id: ids.upload, segment_index: '1', media_data: SEGMENT.toString('base64') }), t)],
    ['POST /1.1/media/upload.json FINALIZE', (t, ids) => post('/1.1/media/upload.json', form({ command: 'FINALIZE', media_id: ids.upload }), t)],
    ['POST /1.1/media/upload.json FINALIZE (finalized photo)', (t, ids) => post('/1.1/media/upload.json', form({ command: 'FINALIZE', media_id: ids.photo }), t)],
    ['GET /1.1/media/upload.json?command=STATUS (video)', (t, ids) => request(`${url}/1.1/media/upload.json?command=STATUS&media_id=${ids.video}`, { headers: bearer(t) })],
    ['GET /1.1/media/upload.json?command=STATUS (photo)', (t, ids) => request(`${url}/1.1/media/upload.json?command=STATUS&media_id=${ids.photo}`, { headers: bearer(t) })],
    ['POST /1.1/media/metadata/create.json', (t, ids) => json('POST', '/1.1/media/metadata/create.json', { media_id: ids.photo, alt_text: { text: 'B was here' } })(t, url)],
  ];
}

/** Headers that may differ between any two calls: the clock and the rate-limit counters. */
const VOLATILE_HEADER = /^(date|x-rate-limit-.*|x-app-limit-24hour-.*|x-user-limit-24hour-.*)$/;

/** Everything a client can see of an answer, with the ids it names put back to their role names. */
function observable(result: HttpResult, ids: Ids): { status: number; headers: [string, string][]; body: string } {
  let body = result.text;
  for (const [role, id] of Object.entries(ids)) body = body.replaceAll(id, `<${role}>`);
  const headers = [...result.headers].filter(([name]) => !VOLATILE_HEADER.test(name));
  return { status: result.status, headers, body };
}

describe('isolation: one user never touches, or learns of, another user’s media', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let a: Ids;
  /** What A's items look like to the store, before B tries anything. */
  let snapshot: unknown;

  const fresh = (): Ids => ({ photo: server.ctx.ids.next(), upload: server.ctx.ids.next(), video: server.ctx.ids.next(), subs: server.ctx.ids.next() });

  async function storeView(ids: Ids): Promise<unknown> {
    const { store } = server.ctx;
    return {
      photo: await store.getMedia(ids.photo),
      upload: await store.getMedia(ids.upload),
      segments: await store.listSegments(ids.upload),
      video: await store.getMedia(ids.video),
      subs: await store.getMedia(ids.subs),
    };
  }

  before(async () => {
    server = await startServer({ XMEDIA_PROCESSING_PENDING_MS: '0', XMEDIA_PROCESSING_MS: '0' });
    alice = await server.token('alice');
    bob = await server.token('bob');

    const photo = await uploadImage(server.url, alice, png());
    assert.equal(photo.status, 200, JSON.stringify(photo.json));
    const photoId = photo.json.data.id as string;
    const alt = await json('POST', '/2/media/metadata/create', { media_id: photoId, alt_text: { text: 'A’s secret alt text' } })(alice, server.url);
    assert.equal(alt.status, 200, alt.text);

    // An open upload with segment 0 in: B's append, finalize and STATUS must neither see nor change it.
    const bytes = Buffer.concat([SEGMENT, SEGMENT]);
    const init = await json('POST', '/2/media/upload/initialize', { media_type: 'image/png', total_bytes: bytes.length, media_category: 'tweet_image' })(alice, server.url);
    assert.equal(init.status, 200, init.text);
    const uploadId = init.json.data.id as string;
    const first = await request(`${server.url}/2/media/upload/${uploadId}/append`, { method: 'POST', headers: bearer(alice), body: form({ segment_index: '0' }, SEGMENT) });
    assert.equal(first.status, 200, first.text);

    const video = await insertVideo(server, 'alice');
    const subs = await insertMedia(server, 'alice', { kind: 'subtitles', category: 'subtitles', mimeType: 'text/srt', width: null, height: null, size: 60 });
    const track = await json('POST', '/2/media/subtitles', {
      id: video.id,
      media_category: 'TweetVideo',
      subtitles: { id: subs.id, language_code: 'EN', display_name: 'English' },
    })(alice, server.url);
    assert.equal(track.status, 200, track.text);

    a = { photo: photoId, upload: uploadId, video: video.id, subs: subs.id };
    snapshot = await storeView(a);
  });
  after(() => server.close());

  it('answers B about A’s items exactly as about items that do not exist, and refuses every call', async () => {
    for (const [name, call] of calls(server.url)) {
      const foreign = await call(bob, a);
      const missingIds = fresh();
      const missing = await call(bob, missingIds);
      assert.deepEqual(observable(foreign, a), observable(missing, missingIds), name);
      assert.ok(!foreign.text.includes('secret'), `${name}: ${foreign.text}`);
      if (foreign.status === 200) {
        // Only the multi-key lookup answers 200: with errors for each key, and no data.
        assert.equal(foreign.json.data, undefined, `${name}: ${foreign.text}`);
        assert.ok(Array.isArray(foreign.json.errors), `${name}: ${foreign.text}`);
      } else {
        assert.ok(foreign.status >= 400 && foreign.status < 500, `${name}: ${foreign.status} ${foreign.text}`);
      }
    }
    // B's own video with A's subtitles file.
    const bobVideo = await insertVideo(server, 'bob');
    const attach = (subs: string) =>
      json('POST', '/2/media/subtitles', { id: bobVideo.id, media_category: 'TweetVideo', subtitles: { id: subs, language_code: 'EN', display_name: 'x' } })(bob, server.url);
    const missingSubs = server.ctx.ids.next();
    const foreign = await attach(a.subs);
    assert.equal(foreign.status, 400, foreign.text);
    assert.deepEqual(observable(foreign, { subs: a.subs } as Ids), observable(await attach(missingSubs), { subs: missingSubs } as Ids));
    assert.deepEqual((await server.ctx.store.getMedia(bobVideo.id))?.subtitles, []);
    assert.deepEqual(await storeView(a), snapshot, 'A’s items are unchanged');
  });

  it('answers A’s revoked or expired token, no token, a made-up token and an app-only token the same for A’s items as for none', async () => {
    const revoked = await server.token('alice');
    await server.ctx.store.revokeToken(sha256Hex(revoked), Date.now());
    const user = await server.ctx.credentials.ensureUser('alice');
    const app = await server.ctx.credentials.ensureApp('xmedia');
    const expired = await server.ctx.credentials.issueUserToken(user, app, ['media.write', 'tweet.read', 'users.read', 'offline.access'], 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const credentials: [string, string | undefined, number][] = [
      ['revoked', revoked, 401],
      ['expired', expired, 401],
      ['none', undefined, 401],
      ['made up', 'x'.repeat(43), 401],
      ['app-only', await server.appToken(), 403],
    ];
    for (const [kind, token, status] of credentials) {
      for (const [name, call] of calls(server.url)) {
        const foreign = await call(token, a);
        const missingIds = fresh();
        const missing = await call(token, missingIds);
        assert.equal(foreign.status, status, `${kind} token, ${name}: ${foreign.text}`);
        assert.deepEqual(observable(foreign, a), observable(missing, missingIds), `${kind} token, ${name}`);
      }
    }
    assert.deepEqual(await storeView(a), snapshot, 'A’s items are unchanged');
  });

  it('still serves A: the items B tried are A’s as before', async () => {
    const mine = await request(`${server.url}/2/media/3_${a.photo}`, { headers: bearer(alice) });
    assert.equal(mine.status, 200, mine.text);
    const finished = await request(`${server.url}/2/media/upload/${a.upload}/append`, { method: 'POST', headers: bearer(alice), body: form({ segment_index: '1' }, SEGMENT) });
    assert.equal(finished.status, 200, finished.text);
    const segments = await server.ctx.store.listSegments(a.upload);
    assert.deepEqual(segments.map((s) => [s.index, s.size]), [[0, SEGMENT.length], [1, SEGMENT.length]], 'B’s appends left no segment behind');
  });

  it('lets additional owners use an upload, and nobody else', async () => {
    const carolId = await server.userId('carol');
    const carol = await server.token('carol');
    const dave = await server.token('dave');
    const init = await json('POST', '/2/media/upload/initialize', {
      media_type: 'image/png',
      total_bytes: SEGMENT.length,
      media_category: 'tweet_image',
      additional_owners: [carolId],
    })(alice, server.url);
    assert.equal(init.status, 200, init.text);
    const shared: Ids = { photo: init.json.data.id as string, upload: init.json.data.id as string, video: a.video, subs: a.subs };
    const other = (): Ids => {
      const id = server.ctx.ids.next();
      return { photo: id, upload: id, video: shared.video, subs: shared.subs };
    };
    const uploadCalls = calls(server.url).filter(([name]) => /append|APPEND/.test(name) && !/finalized|again/.test(name));
    for (const [name, call] of uploadCalls) {
      const missingIds = other();
      assert.deepEqual(observable(await call(dave, shared), shared), observable(await call(dave, missingIds), missingIds), `dave, ${name}`);
    }
    const appended = await request(`${server.url}/2/media/upload/${shared.upload}/append`, { method: 'POST', headers: bearer(carol), body: form({ segment_index: '0' }, SEGMENT) });
    assert.equal(appended.status, 200, appended.text);
    const finalized = await request(`${server.url}/2/media/upload/${shared.upload}/finalize`, { method: 'POST', headers: bearer(carol) });
    assert.equal(finalized.status, 200, finalized.text);

    const metadata = await json('POST', '/2/media/metadata/create', { media_id: shared.photo, alt_text: { text: 'shared' } })(carol, server.url);
    assert.equal(metadata.status, 200, metadata.text);
    for (const token of [alice, carol]) {
      const found = await request(`${server.url}/2/media/3_${shared.photo}`, { headers: bearer(token) });
      assert.equal(found.status, 200, found.text);
      const status = await request(`${server.url}/2/media/upload?command=STATUS&media_id=${shared.photo}`, { headers: bearer(token) });
      assert.equal(status.status, 200, status.text);
    }
    // Carol owns this upload, not Alice's other media.
    for (const [name, call] of calls(server.url).filter(([n]) => /metadata|GET/.test(n))) {
      const missingIds = fresh();
      assert.deepEqual(observable(await call(carol, a), a), observable(await call(carol, missingIds), missingIds), `carol on A’s items, ${name}`);
    }
    for (const [name, call] of calls(server.url).filter(([n]) => /metadata|GET \/2\/media\/\{key\} \(photo\)|STATUS \(photo\)|media_keys= \(one\)/.test(n))) {
      const missingIds = other();
      const foreign = await call(dave, shared);
      assert.ok(!foreign.text.includes('shared'), `${name}: ${foreign.text}`);
      assert.deepEqual(observable(foreign, shared), observable(await call(dave, missingIds), missingIds), `dave on the shared upload, ${name}`);
    }
  });

  it('keeps one app’s tokens from another app: revoke and invalidate_token answer as for unknown tokens and change nothing', async () => {
    const { ctx } = server;
    const appA = await createApp(server);
    const appB = await createApp(server);
    const user = await ctx.credentials.ensureUser('alice');
    const verifier = 'v'.repeat(43);
    const code = await ctx.oauth2.grants.issueCode(
      { app: appA.app, redirectUri: CALLBACK, scopes: ['media.write', 'tweet.read', 'users.read', 'offline.access'], state: 's', codeChallenge: verifier, codeChallengeMethod: 'plain' },
      user.id,
    );
    const grant = await ctx.oauth2.grants.exchangeCode(appA.app, { code, redirect_uri: CALLBACK, code_verifier: verifier });
    const appTokenA = await ctx.credentials.issueAppToken(appA.app);
    const postForm = (path: string, fields: Record<string, string>, authorization: string) =>
      request(server.url + path, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const none = {} as Ids;
    const bAuth = basic(appB.app.clientId, appB.clientSecret!);
    for (const token of [grant.accessToken, grant.refreshToken!]) {
      for (const hint of [undefined, 'access_token', 'refresh_token']) {
        const fields = (t: string): Record<string, string> => ({ token: t, ...(hint && { token_type_hint: hint }) });
        const foreign = await postForm('/2/oauth2/revoke', fields(token), bAuth);
        const unknown = await postForm('/2/oauth2/revoke', fields('y'.repeat(token.length)), bAuth);
        assert.deepEqual(observable(foreign, none), observable(unknown, none), `revoke of another client’s token, hint ${hint}`);
      }
    }
    const stillWorks = await request(`${server.url}/2/media?media_keys=3_1`, { headers: bearer(grant.accessToken) });
    assert.equal(stillWorks.status, 200, stillWorks.text);
    assert.equal((await ctx.store.findRefreshToken(sha256Hex(grant.refreshToken!)))?.revokedAtMs, null);

    const invalidate = (token: string) => postForm('/oauth2/invalidate_token', { access_token: token }, basic(appB.consumerKey, appB.consumerSecret));
    const foreign = await invalidate(appTokenA);
    const unknown = await invalidate('z'.repeat(appTokenA.length));
    assert.equal(foreign.status, 403, foreign.text);
    assert.deepEqual(observable(foreign, none), observable(unknown, none), 'invalidate_token of another app’s token');
    assert.ok(!foreign.text.includes(appTokenA));
    // Nor may one app invalidate a user token (its own app's or another's) through the app-only endpoint.
    assert.deepEqual(observable(await invalidate(grant.accessToken), none), observable(unknown, none), 'invalidate_token of a user token');
    assert.equal((await ctx.store.findToken(sha256Hex(appTokenA)))?.revokedAtMs, null);
    assert.equal((await ctx.store.findToken(sha256Hex(grant.accessToken)))?.revokedAtMs, null);
  });
});
