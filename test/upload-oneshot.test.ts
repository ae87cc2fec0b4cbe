import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertInvalidParameter, assertInvalidRequest, assertProblem, PAYLOAD_TOO_LARGE_BODY } from './helpers/assertions.js';
import { get, postJson, request, type HttpResult } from './helpers/http.js';
import { gif, jpeg, png } from './helpers/images.js';
import { multipart, type FormPart } from './helpers/multipart.js';
import { startServer, type TestServer } from './helpers/server.js';

const MB = 1024 * 1024;
const SNOWFLAKE_EPOCH_MS = 1_288_834_974_657n;
const NOT_AN_IMAGE = 'The media is not a readable JPEG, PNG, GIF, WEBP, BMP or TIFF image.';

/** One-shot `POST /2/media/upload` (SPEC.md §5), as multipart raw bytes and as JSON base64. */
describe('POST /2/media/upload (one-shot)', () => {
  let server: TestServer;
  let token: string;
  let url: string;

  before(async () => {
    server = await startServer();
    token = await server.token('alice');
    url = `${server.url}/2/media/upload`;
  });
  after(() => server.close());

  /** Multipart like twitter-api-v2: `media` is raw bytes in a part without a filename. */
  function sendForm(fields: Record<string, string>, media?: Buffer, mediaPart: Partial<FormPart> = {}): Promise<HttpResult> {
    const parts: FormPart[] = Object.entries(fields).map(([name, value]) => ({ name, value }));
    if (media !== undefined) parts.push({ name: 'media', value: media, ...mediaPart });
    const { body, contentType } = multipart(parts);
    return request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: new Uint8Array(body),
    });
  }

  function sendJson(body: Record<string, unknown>): Promise<HttpResult> {
    return postJson(url, token, body);
  }

  it('takes raw bytes in a multipart part without a filename and answers X’s upload shape', async () => {
    const bytes = png(640, 480);
    const result = await sendForm({ media_category: 'tweet_image' }, bytes);
    assert.equal(result.status, 200, result.text);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
    const id: string = result.json.data.id;
    assert.deepEqual(result.json, {
      data: {
        id,
        media_key: `3_${id}`,
        size: bytes.length,
        expires_after_secs: 86_400,
        image: { image_type: 'image/png', w: 640, h: 480 },
      },
    });
    assert.deepEqual(await server.ctx.blobs.get(id), bytes, 'the bytes are stored as sent');
  });

  it('takes a file part with a filename and a content type (curl --form media=@cat.png)', async () => {
    const result = await sendForm({ media_category: 'dm_image' }, png(3, 2), { filename: 'cat.png', contentType: 'image/png' });
    assert.equal(result.status, 200, result.text);
    assert.deepEqual(result.json.data.image, { image_type: 'image/png', w: 3, h: 2 });
  });

  it('takes JSON with the media as base64, with or without line breaks', async () => {
    const bytes = jpeg();
    for (const media of [bytes.toString('base64'), bytes.toString('base64').replace(/(.{76})/g, '$1\r\n')]) {
      const result = await sendJson({ media, media_category: 'tweet_image', media_type: 'image/jpeg' });
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.data.media_key, `3_${result.json.data.id}`);
      assert.equal(result.json.data.size, bytes.length);
      assert.deepEqual(result.json.data.image, { image_type: 'image/jpeg', w: 1, h: 1 });
    }
  });

  it('refuses base64 that is not base64', async () => {
    for (const media of ['a', '!!!!', 'iVBO-w0K', 'iVBO_w0K', 'ab=c', '====', 'aGVsbG8=aGVsbG8=']) {
      assertInvalidRequest(await sendJson({ media, media_category: 'tweet_image' }), { media: [] }, '$.media: is not valid base64');
    }
  });

  it('gives 19-digit, time-ordered ids', async () => {
    const before = Date.now();
    const ids: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await sendForm({ media_category: 'tweet_image' }, png());
      assert.match(result.json.data.id, /^[0-9]{19}$/);
      ids.push(BigInt(result.json.data.id));
    }
    const afterwards = Date.now();
    assert.ok(ids[0]! < ids[1]! && ids[1]! < ids[2]!, 'each id is larger than the one before');
    for (const id of ids) {
      const ms = Number((id >> 22n) + SNOWFLAKE_EPOCH_MS);
      assert.ok(ms >= before - 1 && ms <= afterwards + 1, `id ${id} encodes ${ms}, not between ${before} and ${afterwards}`);
    }
  });

  it('tells the type from the bytes: PNG and JPEG are photos (3_), GIFs animated_gif (16_)', async () => {
    const cases: [Buffer, string, string, string, number, number][] = [
      [png(7, 5), 'tweet_image', 'image/png', '3', 7, 5],
      [jpeg(), 'dm_image', 'image/jpeg', '3', 1, 1],
      [gif(), 'tweet_gif', 'image/gif', '16', 2, 2],
      [gif(), 'dm_gif', 'image/gif', '16', 2, 2],
    ];
    for (const [bytes, category, type, prefix, w, h] of cases) {
      const result = await sendForm({ media_category: category }, bytes);
      assert.equal(result.status, 200, result.text);
      assert.equal(result.json.data.media_key, `${prefix}_${result.json.data.id}`);
      assert.deepEqual(result.json.data.image, { image_type: type, w, h });
      const lookup = await get(`${server.url}/2/media/${result.json.data.media_key}?media.fields=type,width,height`, token);
      assert.deepEqual(lookup.json.data, {
        media_key: result.json.data.media_key,
        type: prefix === '3' ? 'photo' : 'animated_gif',
        width: w,
        height: h,
      });
    }
  });

  it('checks a declared media_type against the bytes', async () => {
    assert.equal((await sendForm({ media_category: 'tweet_image', media_type: 'image/png' }, png())).status, 200);
    assert.equal((await sendForm({ media_category: 'tweet_image', media_type: 'image/jpg' }, jpeg())).status, 200);
    assert.equal((await sendForm({ media_category: 'tweet_image', media_type: 'image/pjpeg' }, jpeg())).status, 200);
    assertInvalidRequest(
      await sendForm({ media_category: 'tweet_image', media_type: 'image/jpeg' }, png()),
      { media_type: ['image/jpeg'] },
      'The media is image/png, not image/jpeg.',
    );
    assertInvalidRequest(
      await sendJson({ media: gif().toString('base64'), media_category: 'tweet_gif', media_type: 'image/png' }),
      { media_type: ['image/png'] },
      'The media is image/gif, not image/png.',
    );
  });

  it('takes an image of exactly 5 MB and refuses one byte more', async () => {
    const limit = png(16, 16, 5 * MB);
    assert.equal(limit.length, 5 * MB);
    const ok = await sendForm({ media_category: 'tweet_image' }, limit);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.data.size, 5 * MB);
    assert.deepEqual(ok.json.data.image, { image_type: 'image/png', w: 16, h: 16 });
    const over = `${5 * MB + 1}`;
    const message = `The media is ${over} bytes; images may be at most 5 MB.`;
    assertInvalidRequest(await sendForm({ media_category: 'tweet_image' }, png(16, 16, 5 * MB + 1)), { media: [over] }, message);
    assertInvalidRequest(await sendJson({ media: png(16, 16, 5 * MB + 1).toString('base64'), media_category: 'tweet_image' }), { media: [over] }, message);
  });

  it('takes a GIF of exactly 15 MB and refuses one byte more', async () => {
    const limit = gif(15 * MB);
    assert.equal(limit.length, 15 * MB);
    const ok = await sendForm({ media_category: 'tweet_gif' }, limit);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.data.size, 15 * MB);
    const over = gif(15 * MB + 1);
    assertInvalidRequest(
      await sendJson({ media: over.toString('base64'), media_category: 'tweet_gif' }),
      { media: [`${15 * MB + 1}`] },
      `The media is ${15 * MB + 1} bytes; GIFs may be at most 15 MB.`,
    );
    // In multipart the file part itself is over the largest file the endpoint reads.
    assertProblem(await sendForm({ media_category: 'tweet_gif' }, over), 413, PAYLOAD_TOO_LARGE_BODY);
  });

  it('refuses bytes that are not an image', async () => {
    const notImages = [
      Buffer.from('hello, world'),
      Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n'),
      png().subarray(0, 8), // a PNG signature and nothing more
      png().subarray(0, 20), // cut inside the header
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'),
      Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'), // an MP4 header
    ];
    for (const bytes of notImages) {
      assertInvalidRequest(await sendForm({ media_category: 'tweet_image' }, bytes), { media: [''] }, NOT_AN_IMAGE);
      assertInvalidRequest(await sendJson({ media: bytes.toString('base64'), media_category: 'tweet_image' }), { media: [''] }, NOT_AN_IMAGE);
    }
    assertInvalidRequest(await sendForm({ media_category: 'tweet_image' }, Buffer.alloc(0)), { media: [''] }, 'The media is empty.');
    assertInvalidRequest(await sendJson({ media: '', media_category: 'tweet_image' }), { media: [''] }, 'The media is empty.');
  });

  it('wants media and media_category', async () => {
    const missingCategory = '$.media_category: is missing but it is required';
    assertInvalidRequest(await sendForm({}, png()), { media_category: [] }, missingCategory);
    assertInvalidRequest(await sendJson({ media: png().toString('base64') }), { media_category: [] }, missingCategory);
    assertInvalidRequest(await sendForm({ media_category: 'tweet_image' }), { media: [] }, '$.media: is missing but it is required');
    assertInvalidRequest(await sendJson({ media_category: 'tweet_image' }), { media: [] }, '$.media: is missing but it is required');
    assertInvalidParameter(await sendForm({ media_category: 'tweet_picture' }, png()), 'media_category');
    assertInvalidParameter(await sendJson({ media: png().toString('base64'), media_category: 7 }), 'media_category');
    assertInvalidParameter(await sendJson({ media: 7, media_category: 'tweet_image' }), 'media', 'integer found, string expected');
    assertInvalidRequest(
      await sendForm({ media_category: 'tweet_video' }, png()),
      { media_category: ['tweet_video'] },
      'Media category tweet_video needs the chunked upload (initialize, append, finalize).',
    );
  });

  it('validates additional_owners and shared', async () => {
    const bob = await server.userId('bob');
    const form = await sendForm({ media_category: 'tweet_image', additional_owners: `${bob},123`, shared: 'true' }, png());
    assert.equal(form.status, 200, form.text);
    const stored = await server.ctx.store.getMedia(form.json.data.id);
    assert.deepEqual(stored?.additionalOwners, [bob, '123']);
    assert.equal(stored?.shared, true);
    const json = await sendJson({ media: png().toString('base64'), media_category: 'tweet_image', additional_owners: [bob], shared: false });
    assert.equal(json.status, 200, json.text);
    assertInvalidParameter(await sendForm({ media_category: 'tweet_image', additional_owners: 'bob' }, png()), 'additional_owners.0');
    assertInvalidParameter(await sendJson({ media: png().toString('base64'), media_category: 'tweet_image', additional_owners: bob }), 'additional_owners');
    assertInvalidParameter(await sendForm({ media_category: 'tweet_image', shared: 'maybe' }, png()), 'shared');
  });

  it('refuses broken multipart bodies with a 4xx', async () => {
    const { body, contentType } = multipart([
      { name: 'media_category', value: 'tweet_image' },
      { name: 'media', value: png() },
    ]);
    const cut = body.subarray(0, body.length - 30);
    const cases: [Uint8Array<ArrayBuffer>, string][] = [
      [new Uint8Array(cut), contentType],
      [new Uint8Array(body), 'multipart/form-data'], // no boundary
      [new Uint8Array(body), 'multipart/form-data; boundary=other'],
      [new Uint8Array(Buffer.from('--x\r\nContent-Disposition: form-data; name="media"\r\n\r\nabc')), 'multipart/form-data; boundary=x'],
    ];
    for (const [bytes, type] of cases) {
      const result = await request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: bytes });
      assertInvalidParameter(result, undefined, 'The multipart body is not valid: ');
    }
  });

  it('reads one file per request: a second file is over the endpoint’s limits (413)', async () => {
    const two = multipart([
      { name: 'media_category', value: 'tweet_image' },
      { name: 'media', value: png() },
      { name: 'media', value: png() },
    ]);
    const result = await request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': two.contentType }, body: new Uint8Array(two.body) });
    assertProblem(result, 413, PAYLOAD_TOO_LARGE_BODY);
  });
});
