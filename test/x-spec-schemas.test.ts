import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedRequestBody } from '../src/bootstrap.js';
import { get, postJson } from './helpers/http.js';
import { gif, png, uploadImage } from './helpers/images.js';
import { insertVideo } from './helpers/media.js';
import { startServer, type TestServer } from './helpers/server.js';
import { loadXSpec, schemaErrors, X_SPEC_MISSING, type XSpec, type XSpecFile } from './helpers/x-spec.js';

const xSpec = loadXSpec();
const V2025 = 'openapi-media-2025-02.json';
const V166 = 'openapi-media-2.166.json';
const V167 = 'openapi-media-2.167.json';

/** The media type of GET /2/media → the schema X's discriminator maps it to (openapi-media-2.166.json). */
const MEDIA_SCHEMA_BY_TYPE: Readonly<Record<string, string>> = { photo: 'Photo', animated_gif: 'AnimatedGif', video: 'Video' };

/**
 * Our answers against X's own response schemas (../shared/x-spec). X's documents are loose (few `required`,
 * no `additionalProperties: false` on most objects), so each suite also checks that the compiled schema does
 * refuse a wrong answer: a validator that accepts everything would prove nothing.
 */
describe("responses validate against X's OpenAPI schemas", { skip: xSpec ? false : X_SPEC_MISSING }, () => {
  let spec: XSpec;
  let server: TestServer;
  let token: string;

  function assertValid(file: XSpecFile, name: string, body: unknown): void {
    const errors = schemaErrors(spec.schema(file, name), body);
    assert.equal(errors, undefined, `${file} ${name} refuses ${JSON.stringify(body)}:\n${errors}`);
  }

  function assertInvalid(file: XSpecFile, name: string, value: unknown): void {
    assert.ok(schemaErrors(spec.schema(file, name), value) !== undefined, `${file} ${name} should refuse ${JSON.stringify(value)}`);
  }

  before(async () => {
    spec = xSpec!;
    server = await startServer();
    token = await server.token('alice');
  });
  after(() => server.close());

  async function newImage(bytes = png(), category = 'tweet_image'): Promise<{ id: string; key: string; body: unknown }> {
    const upload = await uploadImage(server.url, token, bytes, { media_category: category });
    assert.equal(upload.status, 200);
    return { id: upload.json.data.id, key: upload.json.data.media_key, body: upload.json };
  }

  it('flat POST /2/media/metadata/create → 2025-02 MetadataCreateResponse', async () => {
    const { id } = await newImage();
    const seed = await postJson(`${server.url}/2/media/metadata/create`, token, seedRequestBody(id));
    assert.equal(seed.status, 200);
    assertValid(V2025, 'MetadataCreateResponse', seed.json);
    // X's 2025-02 AltText has pattern ^.{0,1000}$, whose `.` excludes newlines; SPEC.md allows them, so the
    // schema is checked with single-line alt text only.
    const cleared = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: id, alt_text: { text: '' } });
    assertValid(V2025, 'MetadataCreateResponse', cleared.json);
    assertInvalid(V2025, 'MetadataCreateResponse', { data: { id: 1146654567674912769, associated_metadata: {} } });
    assertInvalid(V2025, 'MetadataCreateResponse', { data: { id, associated_metadata: { allow_download_status: { allow_download: 'true' } } } });
  });

  it('wrapped POST /2/media/metadata → 2.166 MetadataCreateResponse and 2.167 CreateMediaMetadataResponse', async () => {
    const { id } = await newImage();
    const full = await postJson(`${server.url}/2/media/metadata`, token, {
      id,
      metadata: {
        allow_download_status: { allow_download: 'true' },
        alt_text: { text: 'A dancing cat\nin two lines' },
        audience_policy: { creator_subscriptions: ['Any'], x_subscriptions: ['Any'] },
        content_expiration: { timestamp_sec: 1740787200 },
        domain_restrictions: { whitelist: ['example.com'] },
        found_media_origin: { id: 'u5BzatR15TZ04', provider: 'giphy' },
        geo_restrictions: { whitelisted_country_codes: ['us'] },
        management_info: { managed: false },
        preview_image: { media_key: { media: '1146654567674912769', media_category: 'TweetImage' } },
        sensitive_media_warning: { adult_content: true, graphic_violence: false, other: false },
        shared_info: { shared: false },
        sticker_info: { stickers: [{ id: '12345', aspect_ratio: 1.78, transform_tx: 10.5, transform_ty: -5.2 }] },
        upload_source: { upload_source: 'gallery' },
      },
    });
    assert.equal(full.status, 200, full.text);
    assert.equal(Object.keys(full.json.data.associated_metadata).length, 13);
    assertValid(V166, 'MetadataCreateResponse', full.json);
    assertValid(V167, 'CreateMediaMetadataResponse', full.json);
    // geo_restrictions the other way round: X's oneOf demands both lists, one of them empty.
    const blacklist = await postJson(`${server.url}/2/media/metadata`, token, { id, metadata: { geo_restrictions: { blacklisted_country_codes: ['fr'] } } });
    assertValid(V166, 'MetadataCreateResponse', blacklist.json);
    assertInvalid(V166, 'MetadataCreateResponse', { data: { id, associated_metadata: { geo_restrictions: { whitelisted_country_codes: ['us'] } } } });
    assertInvalid(V166, 'MetadataCreateResponse', { data: { id, associated_metadata: { upload_source: { text: 'gallery' } } } });
    assertInvalid(V167, 'CreateMediaMetadataResponse', { data: { associated_metadata: {} } });
  });

  it('GET /2/media/{media_key} → 2.166 Get2MediaMediaKeyResponse (and the type’s own schema), 2.167 GetMediaByMediaKeyResponse', async () => {
    const photo = await newImage(png(10, 20));
    await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: photo.id, alt_text: { text: 'a cat' } });
    const animated = await newImage(gif(), 'tweet_gif');
    const video = await insertVideo(server, 'alice');
    const fields = '?media.fields=alt_text,type,width,height,media_key,duration_ms';
    for (const key of [photo.key, animated.key, `7_${video.id}`]) {
      const result = await get(`${server.url}/2/media/${key}${fields}`, token);
      assert.equal(result.status, 200);
      assert.ok(result.json.data, result.text);
      assertValid(V166, 'Get2MediaMediaKeyResponse', result.json);
      assertValid(V167, 'GetMediaByMediaKeyResponse', result.json);
      const errors = schemaErrors(spec.schema(V166, MEDIA_SCHEMA_BY_TYPE[result.json.data.type]!), result.json.data);
      assert.equal(errors, undefined, `${result.text}: ${errors}`);
    }
    const missing = await get(`${server.url}/2/media/3_1`, token);
    assert.ok(missing.json.errors, missing.text);
    assertValid(V166, 'Get2MediaMediaKeyResponse', missing.json);
    for (const problem of missing.json.errors) {
      assert.equal(schemaErrors(spec.schema(V166, 'ResourceNotFoundProblem'), problem), undefined);
    }
    assertInvalid(V166, 'Get2MediaMediaKeyResponse', { data: { media_key: photo.key } }); // no type
    assertInvalid(V166, 'Get2MediaMediaKeyResponse', { data: { type: 'photo', media_key: 'photo' } });
  });

  it('GET /2/media → 2.166 Get2MediaResponse, 2.167 GetMediaByMediaKeysResponse', async () => {
    const photo = await newImage();
    const animated = await newImage(gif(), 'tweet_gif');
    const result = await get(`${server.url}/2/media?media_keys=${photo.key},3_1,${animated.key}&media.fields=alt_text,type,width,height,media_key`, token);
    assert.equal(result.json.data.length, 2);
    assert.equal(result.json.errors.length, 1);
    assertValid(V166, 'Get2MediaResponse', result.json);
    const onlyErrors = await get(`${server.url}/2/media?media_keys=3_1`, token);
    assertValid(V166, 'Get2MediaResponse', onlyErrors.json);
    assertInvalid(V166, 'Get2MediaResponse', { data: [] }); // minItems 1: an empty list is left out
    assertInvalid(V166, 'Get2MediaResponse', { errors: [{ detail: 'x' }] }); // a problem has type and title
    // 2.167's problem types name https://api.x.com; the media themselves are host-free.
    assertValid(V167, 'GetMediaByMediaKeysResponse', { data: result.json.data });
  });

  it('POST /2/media/upload → 2.167 MediaUploadResponse (and 2.166’s, but for its required "meta")', async () => {
    for (const [bytes, category] of [[png(), 'tweet_image'], [gif(), 'tweet_gif']] as const) {
      const { body } = await newImage(bytes, category);
      assertValid(V167, 'MediaUploadResponse', body);
      // x-spec/README.md: 2.166 requires a "meta" that no upload response carries, X's included.
      const without = spec.schema(V166, 'MediaUploadResponse', (schema) => delete schema.required);
      assert.equal(schemaErrors(without, body), undefined);
    }
    assertInvalid(V167, 'MediaUploadResponse', { data: { id: '1', image: { image_type: 'image/png', w: 1, h: 1, extra: 1 } } });
    assertInvalid(V167, 'MediaUploadResponse', { data: { media_key: '3_1' } });
  });

  it('error bodies → 2.166 InvalidRequestProblem, UnsupportedAuthenticationProblem and GenericProblem', async () => {
    const invalid = await postJson(`${server.url}/2/media/metadata`, token, { id: 1 });
    assert.equal(invalid.status, 400);
    assertValid(V166, 'InvalidRequestProblem', invalid.json);
    assertValid(V2025, 'InvalidRequestProblem', (await postJson(`${server.url}/2/media/metadata/create`, token, '{')).json);
    const appOnly = await postJson(`${server.url}/2/media/metadata`, await server.appToken(), { id: '1' });
    assert.equal(appOnly.status, 403);
    assertValid(V166, 'UnsupportedAuthenticationProblem', appOnly.json);
    const unauthorized = await postJson(`${server.url}/2/media/metadata`, undefined, { id: '1' });
    assert.equal(unauthorized.status, 401);
    assertValid(V166, 'GenericProblem', unauthorized.json);
    assertInvalid(V166, 'InvalidRequestProblem', { title: 'Invalid Request', errors: [{ parameters: { id: [1] } }] });
  });
});

describe("problem types on X's newest host validate against 2.167", { skip: xSpec ? false : X_SPEC_MISSING }, () => {
  it('XMEDIA_PROBLEM_HOST=https://api.x.com → 2.167 ResourceNotFoundProblem and InvalidRequestProblem', async () => {
    const spec = xSpec!;
    const server = await startServer({ XMEDIA_PROBLEM_HOST: 'https://api.x.com' });
    try {
      const token = await server.token('alice');
      const lookup = await get(`${server.url}/2/media?media_keys=3_1,3_2`, token);
      assert.equal(lookup.json.errors[0].type, 'https://api.x.com/2/problems/resource-not-found');
      assert.equal(schemaErrors(spec.schema(V167, 'GetMediaByMediaKeysResponse'), lookup.json), undefined);
      const one = await get(`${server.url}/2/media/3_1`, token);
      assert.equal(schemaErrors(spec.schema(V167, 'GetMediaByMediaKeyResponse'), one.json), undefined);
      const invalid = await postJson(`${server.url}/2/media/metadata`, token, { id: 1 });
      assert.equal(invalid.json.type, 'https://api.x.com/2/problems/invalid-request');
      assert.equal(schemaErrors(spec.schema(V167, 'InvalidRequestProblem'), invalid.json), undefined);
      // And the default host is refused by 2.167's enum: the setting is what makes these pass.
      assert.ok(schemaErrors(spec.schema(V167, 'InvalidRequestProblem'), { ...invalid.json, type: 'https://api.twitter.com/2/problems/invalid-request' }));
    } finally {
      await server.close();
    }
  });
});
