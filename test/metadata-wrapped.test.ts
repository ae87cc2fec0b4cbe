import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertInvalidParameter, assertInvalidRequest } from './helpers/assertions.js';
import { postJson } from './helpers/http.js';
import { gif, png, uploadImage } from './helpers/images.js';
import { insertMedia, insertVideo } from './helpers/media.js';
import { startServer, type TestServer } from './helpers/server.js';

const STICKER = {
  aspect_ratio: 1.78,
  group_annotation_id: 987654321098765,
  id: '12345',
  sticker_set_annotation_id: 123456789012345,
  transform_a: 1,
  transform_b: 0,
  transform_c: 0,
  transform_d: 1,
  transform_tx: 10.5,
  transform_ty: -5.2,
};

/** Every one of the 13 keys, with the values of X's own examples (openapi-media-2.166.json). */
const ALL_KEYS = {
  allow_download_status: { allow_download: true },
  alt_text: { text: 'A dancing cat' },
  audience_policy: { creator_subscriptions: ['Any'], x_subscriptions: ['Any'] },
  content_expiration: { timestamp_sec: 1740787200 },
  domain_restrictions: { whitelist: ['example.com', 'x.com'] },
  found_media_origin: { id: 'u5BzatR15TZ04', provider: 'giphy' },
  geo_restrictions: { blacklisted_country_codes: [], whitelisted_country_codes: ['us', 'DE'] },
  management_info: { managed: false },
  preview_image: { media_key: { media: '1146654567674912769', media_category: 'TweetImage' } },
  sensitive_media_warning: { adult_content: true, graphic_violence: false, other: false },
  shared_info: { shared: true },
  sticker_info: { stickers: [STICKER] },
  upload_source: { upload_source: 'gallery' },
};

/** POST /2/media/metadata: X's current wrapped shape, `{id, metadata:{...13 keys}}` (SPEC.md §1). */
describe('POST /2/media/metadata', () => {
  let server: TestServer;
  let token: string;
  let url: string;
  let flatUrl: string;

  before(async () => {
    server = await startServer();
    token = await server.token('alice');
    url = `${server.url}/2/media/metadata`;
    flatUrl = `${server.url}/2/media/metadata/create`;
  });
  after(() => server.close());

  async function newImage(bytes = png(), category = 'tweet_image'): Promise<string> {
    const upload = await uploadImage(server.url, token, bytes, { media_category: category });
    assert.equal(upload.status, 200);
    return upload.json.data.id as string;
  }

  const send = (id: string, metadata: Record<string, unknown>, caller = token) => postJson(url, caller, { id, metadata });

  it('round-trips all 13 keys, and a repeat answers the same bytes', async () => {
    const id = await newImage();
    const result = await send(id, ALL_KEYS);
    assert.equal(result.status, 200, result.text);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(result.json, { data: { associated_metadata: ALL_KEYS, id } });
    assert.equal((await send(id, ALL_KEYS)).text, result.text);
    const readBack = await postJson(url, token, { id });
    assert.equal(readBack.text, result.text, '{id} alone answers what is stored');
  });

  it('upserts per top-level key: each key sent replaces the stored one whole, the rest stay', async () => {
    const id = await newImage();
    await send(id, ALL_KEYS);
    const result = await send(id, {
      sensitive_media_warning: { other: true },
      found_media_origin: { provider: 'tenor', id: 'abc' },
      geo_restrictions: { blacklisted_country_codes: ['fr'] },
      alt_text: { text: '' },
    });
    const { alt_text: _cleared, ...rest } = ALL_KEYS;
    assert.deepEqual(result.json.data.associated_metadata, {
      ...rest,
      sensitive_media_warning: { other: true },
      found_media_origin: { id: 'abc', provider: 'tenor' },
      geo_restrictions: { blacklisted_country_codes: ['fr'], whitelisted_country_codes: [] },
    });
  });

  it('shares one store with the flat route: write through one, read through the other', async () => {
    const id = await newImage();
    await send(id, { alt_text: { text: 'via wrapped' }, upload_source: { upload_source: 'camera' }, geo_restrictions: { whitelisted_country_codes: ['us'] } });
    const flat = await postJson(flatUrl, token, { media_id: id });
    assert.deepEqual(flat.json, {
      data: { associated_metadata: { alt_text: { text: 'via wrapped' }, upload_source: { text: 'camera' } }, id },
    });
    await postJson(flatUrl, token, { media_id: id, upload_source: { text: 'gallery' }, allow_download_status: { allow_download: 'false' } });
    const wrapped = await postJson(url, token, { id });
    assert.deepEqual(wrapped.json.data.associated_metadata, {
      allow_download_status: { allow_download: false },
      alt_text: { text: 'via wrapped' },
      geo_restrictions: { blacklisted_country_codes: [], whitelisted_country_codes: ['us'] },
      upload_source: { upload_source: 'gallery' },
    });
  });

  it('spells upload_source {upload_source}, and the flat route {text}', async () => {
    const id = await newImage();
    assertInvalidRequest(
      await send(id, { upload_source: { text: 'gallery' } }),
      { 'metadata.upload_source.upload_source': [] },
      '$.metadata.upload_source.upload_source: is missing but it is required',
    );
    assertInvalidRequest(
      await postJson(flatUrl, token, { media_id: id, upload_source: { upload_source: 'gallery' } }),
      { 'upload_source.text': [] },
      '$.upload_source.text: is missing but it is required',
    );
    assertInvalidParameter(await send(id, { upload_source: { upload_source: 7 } }), 'metadata.upload_source.upload_source', 'integer found, string expected');
  });

  it('wants id as a string of 1 to 19 digits naming the caller’s media', async () => {
    assertInvalidRequest(await postJson(url, token, { metadata: {} }), { id: [] }, '$.id: is missing but it is required');
    assertInvalidRequest(await postJson(url, token, { id: 123 }), { id: ['123'] }, '$.id: integer found, string expected');
    assertInvalidRequest(await postJson(url, token, { media_id: '123' }), { id: [] }, '$.id: is missing but it is required');
    for (const bad of ['', 'abc', '1'.repeat(20), '-1', '1.5']) {
      assertInvalidRequest(await postJson(url, token, { id: bad }), { id: [bad] }, '$.id: does not match the regex pattern ^[0-9]{1,19}$');
    }
    const unknown = '9'.repeat(19);
    assertInvalidRequest(await postJson(url, token, { id: unknown }), { id: [unknown] }, `Media id ${unknown} was not found.`);
    for (const bad of [null, [], 'x', 1]) {
      assertInvalidParameter(await postJson(url, token, { id: unknown, metadata: bad }), 'metadata', 'expected');
    }
  });

  it('never reveals whether someone else’s or an expired media item exists', async () => {
    const id = await newImage();
    const bob = await server.token('bob');
    const foreign = await send(id, { alt_text: { text: 'mine now' } }, bob);
    assertInvalidRequest(foreign, { id: [id] }, `Media id ${id} was not found.`);
    const expired = await insertMedia(server, 'alice', { expiresAtMs: Date.now() - 1 });
    assertInvalidRequest(await send(expired.id, { alt_text: { text: 'late' } }), { id: [expired.id] }, `Media id ${expired.id} was not found.`);
    assertInvalidRequest(
      await postJson(flatUrl, token, { media_id: expired.id }),
      { media_id: [expired.id] },
      `Media id ${expired.id} was not found.`,
    );
    const after = await send(id, {});
    assert.deepEqual(after.json.data.associated_metadata, {}, 'bob’s attempt changed nothing');
  });

  it('lets additional owners write, and them only', async () => {
    const bobId = await server.userId('bob');
    const shared = await insertMedia(server, 'alice', { additionalOwners: [bobId] });
    const bob = await server.token('bob');
    assert.equal((await send(shared.id, { alt_text: { text: 'by bob' } }, bob)).status, 200);
    assert.equal((await postJson(flatUrl, bob, { media_id: shared.id, alt_text: { text: 'by bob, flat' } })).status, 200);
    const carol = await server.token('carol');
    assertInvalidRequest(await send(shared.id, {}, carol), { id: [shared.id] }, `Media id ${shared.id} was not found.`);
    assert.deepEqual((await send(shared.id, {})).json.data.associated_metadata, { alt_text: { text: 'by bob, flat' } });
  });

  it('refuses alt text on a video, on both routes, and takes other metadata', async () => {
    const video = await insertVideo(server, 'alice');
    const message = 'Alt text can only be set on images and GIFs.';
    assertInvalidRequest(await send(video.id, { alt_text: { text: 'hello' } }), { 'metadata.alt_text.text': ['hello'] }, message);
    assertInvalidRequest(await postJson(flatUrl, token, { media_id: video.id, alt_text: { text: 'hello' } }), { 'alt_text.text': ['hello'] }, message);
    assertInvalidRequest(await postJson(flatUrl, token, { media_id: video.id, alt_text: { text: '' } }), { 'alt_text.text': [''] }, message);
    const ok = await send(video.id, { allow_download_status: { allow_download: true }, sensitive_media_warning: { graphic_violence: true } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.data.associated_metadata, {
      allow_download_status: { allow_download: true },
      sensitive_media_warning: { graphic_violence: true },
    });
    const gifId = await newImage(gif(), 'tweet_gif');
    assert.equal((await send(gifId, { alt_text: { text: 'a GIF' } })).status, 200, 'GIFs take alt text');
  });

  it('validates every key on both sides of its rules', async () => {
    const id = await newImage();
    // [metadata that must pass, metadata that must fail, the parameter the failure names]
    const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [{ allow_download_status: { allow_download: 'true' } }, { allow_download_status: { allow_download: 'yes' } }, 'metadata.allow_download_status.allow_download'],
      [{ allow_download_status: { allow_download: false } }, { allow_download_status: {} }, 'metadata.allow_download_status.allow_download'],
      [{ alt_text: { text: '😀'.repeat(1000) } }, { alt_text: { text: '😀'.repeat(1001) } }, 'metadata.alt_text.text'],
      [{ alt_text: { text: 'x'.repeat(1000) } }, { alt_text: { text: 'x'.repeat(1001) } }, 'metadata.alt_text.text'],
      [{ audience_policy: { x_subscriptions: ['Any'] } }, { audience_policy: { x_subscriptions: ['Some'] } }, 'metadata.audience_policy.x_subscriptions.0'],
      [{ audience_policy: { creator_subscriptions: [] } }, { audience_policy: { creator_subscriptions: 'Any' } }, 'metadata.audience_policy.creator_subscriptions'],
      [{ content_expiration: { timestamp_sec: 0 } }, { content_expiration: { timestamp_sec: -1 } }, 'metadata.content_expiration.timestamp_sec'],
      [{ content_expiration: { timestamp_sec: 4102444800 } }, { content_expiration: { timestamp_sec: 1.5 } }, 'metadata.content_expiration.timestamp_sec'],
      [{ content_expiration: { timestamp_sec: 1 } }, { content_expiration: { timestamp_sec: '1740787200' } }, 'metadata.content_expiration.timestamp_sec'],
      [{ domain_restrictions: { whitelist: [] } }, { domain_restrictions: { whitelist: [1] } }, 'metadata.domain_restrictions.whitelist.0'],
      [{ domain_restrictions: { whitelist: ['a.com'] } }, { domain_restrictions: {} }, 'metadata.domain_restrictions.whitelist'],
      [{ found_media_origin: { provider: 'x'.repeat(8), id: 'y'.repeat(24) } }, { found_media_origin: { provider: 'x'.repeat(9), id: 'y' } }, 'metadata.found_media_origin.provider'],
      [{ found_media_origin: { provider: 'giphy', id: 'y'.repeat(24) } }, { found_media_origin: { provider: 'giphy', id: 'y'.repeat(25) } }, 'metadata.found_media_origin.id'],
      [{ found_media_origin: { provider: 'giphy', id: '' } }, { found_media_origin: { provider: 'giphy' } }, 'metadata.found_media_origin.id'],
      [{ found_media_origin: { provider: '', id: 'a' } }, { found_media_origin: { id: 'a' } }, 'metadata.found_media_origin.provider'],
      [{ geo_restrictions: { whitelisted_country_codes: ['US'] } }, { geo_restrictions: { whitelisted_country_codes: ['usa'] } }, 'metadata.geo_restrictions.whitelisted_country_codes.0'],
      [{ geo_restrictions: { blacklisted_country_codes: ['fr'] } }, { geo_restrictions: { blacklisted_country_codes: ['f1'] } }, 'metadata.geo_restrictions.blacklisted_country_codes.0'],
      [{ management_info: { managed: true } }, { management_info: { managed: 'true' } }, 'metadata.management_info.managed'],
      [{ management_info: { managed: false } }, { management_info: {} }, 'metadata.management_info.managed'],
      [{ preview_image: { media_key: { media: '1' } } }, { preview_image: { media_key: { media: 1 } } }, 'metadata.preview_image.media_key.media'],
      [{ preview_image: { media_key: { media_category: 'TweetImage' } } }, { preview_image: { media_key: { media_category: 'tweet_image' } } }, 'metadata.preview_image.media_key.media_category'],
      [{ preview_image: { media_key: {} } }, { preview_image: {} }, 'metadata.preview_image.media_key'],
      [{ sensitive_media_warning: {} }, { sensitive_media_warning: { adult_content: 'yes' } }, 'metadata.sensitive_media_warning.adult_content'],
      [{ sensitive_media_warning: { graphic_violence: true } }, { sensitive_media_warning: { other: 1 } }, 'metadata.sensitive_media_warning.other'],
      [{ shared_info: { shared: false } }, { shared_info: {} }, 'metadata.shared_info.shared'],
      [{ shared_info: { shared: true } }, { shared_info: { shared: null } }, 'metadata.shared_info.shared'],
      [{ sticker_info: { stickers: Array(25).fill(STICKER) } }, { sticker_info: { stickers: Array(26).fill(STICKER) } }, 'metadata.sticker_info.stickers'],
      [{ sticker_info: { stickers: [{}] } }, { sticker_info: { stickers: [] } }, 'metadata.sticker_info.stickers'],
      [{ sticker_info: { stickers: [{ transform_a: -1e300 }] } }, { sticker_info: { stickers: [{ transform_a: '1' }] } }, 'metadata.sticker_info.stickers.0.transform_a'],
      [{ sticker_info: { stickers: [{ id: '' }] } }, { sticker_info: { stickers: [{ id: 5 }] } }, 'metadata.sticker_info.stickers.0.id'],
      [{ upload_source: { upload_source: '' } }, { upload_source: { upload_source: null } }, 'metadata.upload_source.upload_source'],
    ];
    for (const [good, bad, parameter] of cases) {
      const ok = await send(id, good);
      assert.equal(ok.status, 200, `${JSON.stringify(good)}: ${ok.text}`);
      const [key] = Object.keys(good);
      assert.ok(key! in ok.json.data.associated_metadata, `${key} is stored`);
      assertInvalidParameter(await send(id, bad), parameter);
    }
    const exact: [Record<string, unknown>, Record<string, string[]>, string][] = [
      [{ alt_text: { text: 'x'.repeat(1001) } }, { 'metadata.alt_text.text': ['x'.repeat(1001)] }, '$.metadata.alt_text.text: may only be 1000 characters long'],
      [{ sticker_info: { stickers: Array(26).fill({}) } }, { 'metadata.sticker_info.stickers': [JSON.stringify(Array(26).fill({}))] }, '$.metadata.sticker_info.stickers: there must be a maximum of 25 items in the array'],
      [{ found_media_origin: { provider: 'x'.repeat(9), id: 'a' } }, { 'metadata.found_media_origin.provider': ['x'.repeat(9)] }, '$.metadata.found_media_origin.provider: may only be 8 characters long'],
      [{ management_info: { managed: 'true' } }, { 'metadata.management_info.managed': ['true'] }, '$.metadata.management_info.managed: string found, boolean expected'],
      [{ content_expiration: { timestamp_sec: -1 } }, { 'metadata.content_expiration.timestamp_sec': ['-1'] }, '$.metadata.content_expiration.timestamp_sec: must have a minimum value of 0'],
    ];
    for (const [metadata, parameters, message] of exact) {
      assertInvalidRequest(await send(id, metadata), parameters, message);
    }
  });

  it('takes geo_restrictions as a whitelist XOR a blacklist', async () => {
    const id = await newImage();
    const message = '$.metadata.geo_restrictions: exactly one of whitelisted_country_codes and blacklisted_country_codes must be non-empty';
    for (const good of [
      { whitelisted_country_codes: ['us'] },
      { blacklisted_country_codes: ['us', 'ca'] },
      { whitelisted_country_codes: ['de'], blacklisted_country_codes: [] },
      { whitelisted_country_codes: [], blacklisted_country_codes: ['de'] },
    ]) {
      const result = await send(id, { geo_restrictions: good });
      assert.equal(result.status, 200, result.text);
      assert.deepEqual(result.json.data.associated_metadata.geo_restrictions, {
        blacklisted_country_codes: good.blacklisted_country_codes ?? [],
        whitelisted_country_codes: good.whitelisted_country_codes ?? [],
      });
    }
    for (const bad of [
      {},
      { whitelisted_country_codes: [] },
      { whitelisted_country_codes: [], blacklisted_country_codes: [] },
      { whitelisted_country_codes: ['us'], blacklisted_country_codes: ['ca'] },
    ]) {
      assertInvalidRequest(await send(id, { geo_restrictions: bad }), { 'metadata.geo_restrictions': [JSON.stringify(bad)] }, message);
    }
  });

  it('ignores unknown keys, at the top, in metadata and inside known keys, and stores none of them', async () => {
    const id = await newImage();
    const result = await postJson(url, token, {
      id,
      extra: 1,
      metadata: { future_key: { a: 1 }, shared_info: { shared: true, note: 'x' }, sticker_info: { stickers: [{ id: 's', colour: 'red' }] } },
    });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(result.json.data.associated_metadata, { shared_info: { shared: true }, sticker_info: { stickers: [{ id: 's' }] } });
  });
});
