import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MediaMetadata } from '../../src/domain/metadata.js';
import { formatMedia } from '../../src/wire/media.js';
import { flatMetadataShape } from '../../src/wire/metadata-flat.js';
import { serializeFlatMetadata, serializeMediaByKey, serializeMediaLookup } from '../../src/wire/serializers.js';
import { png, uploadImage } from '../helpers/images.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * The compiled serializers of the hot answers must write exactly what JSON.stringify writes: same keys in the
 * same order, absent keys absent, the same escaping, down to the byte.
 */
const ALT_TEXTS = [
  'dancing cat',
  'a',
  'exactly seven',
  'eight ch',
  'a "quoted" word and a \\ backslash',
  'line one\nline two\ttab\rreturn\bback\fform',
  '\u0000\u0001\u001f control characters',
  '\u007f delete and \u0080 C1 and \u00a0 no-break space',
  'accents: é à ü ñ, CJK: 猫が踊る, RTL: قطة ترقص',
  'emoji 😀🐈‍⬛ and flags 🇫🇷',
  'lone high \ud800 surrogate',
  'lone low \udfff surrogate',
  '\ud83d',
  'separators \u2028 and \u2029',
  '</script><script>alert(1)</script>',
  'forty-one characters long, no escaping..',
  'forty-two characters long, no escaping...',
  'forty-two characters long, with "quotes".',
  'x'.repeat(1000),
  `${'y'.repeat(990)}"\\\n`,
  '😀'.repeat(1000),
];

const STICKER_VALUES = [
  { aspect_ratio: 123, group_annotation_id: 123, id: '<string>', sticker_set_annotation_id: 123, transform_a: 123, transform_b: 123, transform_c: 123, transform_d: 123, transform_tx: 123, transform_ty: 123 },
  { id: 'only an id' },
  { transform_a: -0, transform_b: 0.1 + 0.2, transform_c: 1e21, transform_d: -1.5e-7, transform_tx: Number.MAX_SAFE_INTEGER, transform_ty: 2 ** 70 },
  { aspect_ratio: 1.7777777777777777, id: 'quote " and \\ and \n' },
  {},
];

function metadataVariants(): MediaMetadata[] {
  const variants: MediaMetadata[] = [{}];
  for (const altText of ALT_TEXTS) variants.push({ altText });
  variants.push(
    { allowDownload: true },
    { allowDownload: false, altText: 'x' },
    { foundMediaOrigin: {} },
    { foundMediaOrigin: { id: 'abc' } },
    { foundMediaOrigin: { provider: 'giphy' } },
    { foundMediaOrigin: { provider: 'gi"phy', id: '\u0000' } },
    { stickers: STICKER_VALUES },
    { uploadSource: 'z'.repeat(6000) },
    { uploadSource: `${'z'.repeat(6000)}\n"é😀\ud800` },
    {
      altText: 'all of them',
      allowDownload: true,
      foundMediaOrigin: { provider: 'giphy', id: '<string>' },
      stickers: [STICKER_VALUES[0]!],
      uploadSource: 'gallery',
      // Keys of other shapes: not part of the flat answer.
      managed: true,
      sharedInDms: false,
    },
  );
  return variants;
}

describe('compiled response serializers', () => {
  it('write the flat metadata answer as JSON.stringify does', () => {
    for (const metadata of metadataVariants()) {
      const body = flatMetadataShape.format('1234567890123456789', metadata);
      assert.equal(serializeFlatMetadata(body), JSON.stringify(body), JSON.stringify(metadata));
    }
  });

  it('write media lookups as JSON.stringify does', () => {
    const now = Date.now();
    const record = {
      id: '1880000000000000001',
      kind: 'photo' as const,
      category: 'tweet_image' as const,
      mimeType: 'image/png',
      ownerId: '1',
      appId: null,
      additionalOwners: [],
      shared: false,
      state: 'succeeded' as const,
      size: 1,
      width: 640,
      height: 480,
      durationMs: null,
      createdAtMs: now,
      expiresAtMs: now + 1000,
      processingStartsAtMs: null,
      readyAtMs: null,
      processingError: null,
      subtitles: [],
      metadata: {},
    };
    const fieldSets = [undefined, new Set(['alt_text']), new Set(['width', 'height', 'duration_ms', 'alt_text', 'type'])];
    const error = {
      value: '3_1"2',
      detail: 'Could not find media with media_key: [3_1"2].',
      title: 'Not Found Error',
      resource_type: 'media',
      parameter: 'media_key',
      resource_id: '3_1"2',
      type: 'https://api.twitter.com/2/problems/resource-not-found',
    };
    for (const metadata of metadataVariants()) {
      for (const fields of fieldSets) {
        for (const media of [
          { ...record, metadata },
          { ...record, kind: 'video' as const, durationMs: 12345, metadata },
          { ...record, width: null, height: null, metadata },
        ]) {
          const data = formatMedia(media, fields);
          for (const body of [{ data }, { data, errors: [error] }, { errors: [error] }]) {
            assert.equal(serializeMediaByKey(body), JSON.stringify(body));
          }
          for (const body of [{ data: [data, data] }, { data: [data], errors: [error, error] }, { errors: [error] }]) {
            assert.equal(serializeMediaLookup(body), JSON.stringify(body));
          }
        }
      }
    }
  });

  describe('over HTTP', () => {
    let server: TestServer;
    let token: string;

    before(async () => {
      server = await startServer();
      token = await server.token('alice');
    });
    after(() => server.close());

    /** The raw bytes of an answer. */
    async function bytes(url: string, init: RequestInit = {}): Promise<{ status: number; body: Buffer }> {
      const response = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
      return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
    }

    it('answers metadata writes and lookups byte for byte as JSON.stringify writes them', async () => {
      const upload = await uploadImage(server.url, token, png(4, 3));
      const id = upload.json.data.id as string;
      const key = upload.json.data.media_key as string;
      for (const text of ALT_TEXTS) {
        const request = {
          media_id: id,
          alt_text: { text },
          allow_download_status: { allow_download: text.length % 2 === 0 },
          found_media_origin: { provider: 'giphy', id: text.slice(0, 24) },
          sticker_info: { stickers: STICKER_VALUES.slice(0, 4) },
          upload_source: { text: `${text}${text}` },
        };
        const written = await bytes(`${server.url}/2/media/metadata/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
        assert.equal(written.status, 200, written.body.toString());
        const expected = {
          data: {
            associated_metadata: {
              allow_download_status: request.allow_download_status,
              alt_text: { text },
              found_media_origin: { id: request.found_media_origin.id, provider: 'giphy' },
              sticker_info: request.sticker_info,
              upload_source: request.upload_source,
            },
            id,
          },
        };
        assert.deepEqual(written.body, Buffer.from(JSON.stringify(expected)), text);

        const one = await bytes(`${server.url}/2/media/${key}?media.fields=alt_text,width,height`);
        assert.deepEqual(one.body, Buffer.from(JSON.stringify({ data: { media_key: key, type: 'photo', width: 4, height: 3, alt_text: text } })));
        const many = await bytes(`${server.url}/2/media?media_keys=${key},3_1&media.fields=alt_text`);
        const notFound = {
          value: '3_1',
          detail: 'Could not find media with media_keys: [3_1].',
          title: 'Not Found Error',
          resource_type: 'media',
          parameter: 'media_keys',
          resource_id: '3_1',
          type: 'https://api.twitter.com/2/problems/resource-not-found',
        };
        assert.deepEqual(many.body, Buffer.from(JSON.stringify({ data: [{ media_key: key, type: 'photo', alt_text: text }], errors: [notFound] })));
      }
      // Cleared alt text: the key is absent, not null.
      const cleared = await bytes(`${server.url}/2/media/metadata/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ media_id: id, alt_text: { text: '' } }),
      });
      assert.ok(!cleared.body.toString().includes('alt_text'), cleared.body.toString());
      const one = await bytes(`${server.url}/2/media/${key}?media.fields=alt_text`);
      assert.deepEqual(one.body, Buffer.from(JSON.stringify({ data: { media_key: key, type: 'photo' } })));
    });
  });
});
