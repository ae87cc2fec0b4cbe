import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertInvalidRequest, JSON_CONTENT_TYPE } from './helpers/assertions.js';
import { get, postJson, type HttpResult } from './helpers/http.js';
import { gif, png, uploadImage } from './helpers/images.js';
import { insertMedia, insertVideo } from './helpers/media.js';
import { startServer, type TestServer } from './helpers/server.js';

const KEY_PATTERN = '^([0-9]+)_([0-9]+)$';
const ALL_FIELDS =
  'alt_text,duration_ms,height,media_key,non_public_metrics,organic_metrics,preview_image_url,promoted_metrics,public_metrics,type,url,variants,width';

/** X's partial error for a key the caller cannot see. */
function notFound(key: string, parameter: 'media_key' | 'media_keys'): Record<string, string> {
  return {
    value: key,
    detail: `Could not find media with ${parameter}: [${key}].`,
    title: 'Not Found Error',
    resource_type: 'media',
    parameter,
    resource_id: key,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

function assertOk(result: HttpResult, body: unknown): void {
  assert.equal(result.status, 200, result.text);
  assert.equal(result.headers.get('content-type'), JSON_CONTENT_TYPE);
  assert.equal(result.text, JSON.stringify(body));
}

/** GET /2/media/{media_key} and GET /2/media?media_keys= (SPEC.md §1: stored metadata is readable back). */
describe('media lookup', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  let photoKey: string;
  let photoId: string;
  let gifKey: string;

  before(async () => {
    server = await startServer();
    alice = await server.token('alice');
    bob = await server.token('bob');
    const photo = await uploadImage(server.url, alice, png(640, 480));
    photoId = photo.json.data.id;
    photoKey = photo.json.data.media_key;
    gifKey = (await uploadImage(server.url, alice, gif(), { media_category: 'tweet_gif' })).json.data.media_key;
  });
  after(() => server.close());

  const one = (key: string, query = '', token = alice) => get(`${server.url}/2/media/${key}${query}`, token);
  const many = (query: string, token = alice) => get(`${server.url}/2/media?${query}`, token);

  it('answers media_key and type by default, and the fields asked for', async () => {
    assertOk(await one(photoKey), { data: { media_key: photoKey, type: 'photo' } });
    assertOk(await one(photoKey, '?media.fields=width,height'), { data: { media_key: photoKey, type: 'photo', width: 640, height: 480 } });
    assertOk(await one(gifKey, '?media.fields=type,width,height,media_key'), { data: { media_key: gifKey, type: 'animated_gif', width: 2, height: 2 } });
    // Fields xmedia has no data for are left out, as X leaves out what does not apply.
    assertOk(await one(photoKey, `?media.fields=${ALL_FIELDS}`), { data: { media_key: photoKey, type: 'photo', width: 640, height: 480 } });
  });

  it('reads back alt text written through either metadata route, and its removal', async () => {
    const fields = '?media.fields=alt_text,type,width,height,media_key';
    await postJson(`${server.url}/2/media/metadata/create`, alice, { media_id: photoId, alt_text: { text: 'a cat, dancing 😀' } });
    const expected = { media_key: photoKey, type: 'photo', width: 640, height: 480, alt_text: 'a cat, dancing 😀' };
    assertOk(await one(photoKey, fields), { data: expected });
    assertOk(await many(`media_keys=${photoKey}&media.fields=alt_text,type,width,height,media_key`), { data: [expected] });
    assertOk(await one(photoKey), { data: { media_key: photoKey, type: 'photo' } }); // not asked for, not shown

    await postJson(`${server.url}/2/media/metadata`, alice, { id: photoId, metadata: { alt_text: { text: 'line one\nline two' } } });
    assert.equal((await one(photoKey, fields)).json.data.alt_text, 'line one\nline two');

    await postJson(`${server.url}/2/media/metadata/create`, alice, { media_id: photoId, alt_text: { text: '' } });
    assertOk(await one(photoKey, fields), { data: { media_key: photoKey, type: 'photo', width: 640, height: 480 } });
  });

  it('shows videos with their duration', async () => {
    const video = await insertVideo(server, 'alice');
    const key = `7_${video.id}`;
    assertOk(await one(key, '?media.fields=duration_ms,width,height,alt_text'), {
      data: { media_key: key, type: 'video', width: 1280, height: 720, duration_ms: 5000 },
    });
  });

  it('answers unknown, foreign, expired and mis-prefixed keys with X’s resource-not-found, status 200', async () => {
    const expired = await insertMedia(server, 'alice', { createdAtMs: Date.now() - 100_000, expiresAtMs: Date.now() - 1 });
    const keys = [
      '3_1234567890123456789', // unknown
      `16_${photoId}`, // a photo asked for as a GIF
      `7_${photoId}`,
      `3_${expired.id}`,
    ];
    for (const key of keys) {
      assertOk(await one(key), { errors: [notFound(key, 'media_key')] });
      assertOk(await many(`media_keys=${key}`), { errors: [notFound(key, 'media_keys')] });
    }
    // Bob sees nothing of Alice's: the same bytes as an id that does not exist.
    assertOk(await one(photoKey, '', bob), { errors: [notFound(photoKey, 'media_key')] });
    assertOk(await many(`media_keys=${photoKey},${gifKey}`, bob), { errors: [notFound(photoKey, 'media_keys'), notFound(gifKey, 'media_keys')] });
  });

  it('mixes found media and errors in one answer, in the order asked', async () => {
    const unknown = '3_42';
    assertOk(await many(`media_keys=${gifKey},${unknown},${photoKey}&media.fields=type`), {
      data: [
        { media_key: gifKey, type: 'animated_gif' },
        { media_key: photoKey, type: 'photo' },
      ],
      errors: [notFound(unknown, 'media_keys')],
    });
  });

  it('lets additional owners see the media, and nobody else', async () => {
    const bobId = await server.userId('bob');
    const shared = await insertMedia(server, 'alice', { additionalOwners: [bobId] });
    const key = `3_${shared.id}`;
    assertOk(await one(key, '', bob), { data: { media_key: key, type: 'photo' } });
    const carol = await server.token('carol');
    assertOk(await one(key, '', carol), { errors: [notFound(key, 'media_key')] });
  });

  it('takes 100 keys and refuses 101', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => (i === 0 ? photoKey : `3_${i}`));
    const result = await many(`media_keys=${keys.join(',')}`);
    assert.equal(result.status, 200, result.text);
    assert.equal(result.json.data.length, 1);
    assert.equal(result.json.errors.length, 99);
    const tooMany = [...keys, '3_101'].join(',');
    assertInvalidRequest(
      await many(`media_keys=${tooMany}`),
      { media_keys: [tooMany] },
      'The number of values in the `media_keys` query parameter list [101] is not between 1 and 100',
    );
  });

  it('refuses keys that are not media keys', async () => {
    for (const key of ['abc', '3_', '_1', '3_abc', '3-1', `3_${'1'.repeat(20)}`, '3_1_1', '%20']) {
      const shown = decodeURIComponent(key);
      assertInvalidRequest(
        await one(key),
        { media_key: [shown] },
        `The \`media_key\` query parameter value [${shown}] does not match ${KEY_PATTERN}`,
      );
      assertInvalidRequest(
        await many(`media_keys=${photoKey},${key}`),
        { media_keys: [shown] },
        `The \`media_keys\` query parameter value [${shown}] does not match ${KEY_PATTERN}`,
      );
    }
    assertInvalidRequest(await many(`media_keys=${photoKey},`), { media_keys: [''] }, `The \`media_keys\` query parameter value [] does not match ${KEY_PATTERN}`);
  });

  it('wants media_keys', async () => {
    for (const query of ['', 'media_keys=', 'media.fields=type']) {
      assertInvalidRequest(await many(query), { media_keys: [] }, 'The `media_keys` query parameter can not be empty');
    }
  });

  it('refuses unknown query parameters, repeated ones and unknown media.fields', async () => {
    assertInvalidRequest(await one(photoKey, '?expansions=x'), { expansions: ['x'] }, 'The query parameter [expansions] is not one of [media.fields]');
    assertInvalidRequest(
      await many(`media_keys=${photoKey}&user.fields=id`),
      { 'user.fields': ['id'] },
      'The query parameter [user.fields] is not one of [media_keys,media.fields]',
    );
    assertInvalidRequest(
      await one(photoKey, '?media.fields=type&media.fields=width'),
      { 'media.fields': ['type', 'width'] },
      'Duplicate parameters are not allowed: the `media.fields` query parameter',
    );
    for (const value of ['nope', 'type,nope', 'type,', 'TYPE', '']) {
      const bad = value.split(',').find((v) => !ALL_FIELDS.split(',').includes(v)) ?? '';
      const message = `The \`media.fields\` query parameter value [${bad}] is not one of [${ALL_FIELDS}]`;
      assertInvalidRequest(await one(photoKey, `?media.fields=${value}`), { 'media.fields': [value] }, message);
      assertInvalidRequest(await many(`media_keys=${photoKey}&media.fields=${value}`), { 'media.fields': [value] }, message);
    }
  });
});
