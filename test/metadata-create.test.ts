import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedRequestBody } from '../src/bootstrap.js';
import type { Sticker } from '../src/domain/metadata.js';
import { copySticker } from '../src/wire/metadata-common.js';
import { STICKER_FIELDS } from '../src/wire/schemas.js';
import { assertInvalidParameter, invalidRequestText, seedResponse } from './helpers/assertions.js';
import { postJson } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';

/** POST /2/media/metadata/create: the seed's endpoint, flat body (SPEC.md §1). */
describe('POST /2/media/metadata/create', () => {
  let server: TestServer;
  let token: string;
  let url: string;

  before(async () => {
    server = await startServer();
    token = await server.token('alice');
    url = `${server.url}/2/media/metadata/create`;
  });
  after(() => server.close());

  async function newImage(): Promise<string> {
    const upload = await uploadImage(server.url, token, png());
    assert.equal(upload.status, 200);
    return upload.json.data.id as string;
  }

  it('answers the seed request with the whole metadata, allow_download as a JSON boolean', async () => {
    const id = await newImage();
    const result = await postJson(url, token, seedRequestBody(id));
    assert.equal(result.status, 200, result.text);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(result.json, seedResponse(id));
    assert.ok(result.headers.get('x-rate-limit-limit'));
  });

  it('upserts: keys sent replace, keys not sent are kept, a repeat gives the same body', async () => {
    const id = await newImage();
    await postJson(url, token, { media_id: id, alt_text: { text: 'first' }, upload_source: { text: 'gallery' } });
    const second = await postJson(url, token, { media_id: id, alt_text: { text: 'second' } });
    assert.deepEqual(second.json.data.associated_metadata, {
      alt_text: { text: 'second' },
      upload_source: { text: 'gallery' },
    });
    const again = await postJson(url, token, { media_id: id, alt_text: { text: 'second' } });
    assert.equal(again.text, second.text);
  });

  it('clears alt text with ""', async () => {
    const id = await newImage();
    await postJson(url, token, { media_id: id, alt_text: { text: 'a cat' } });
    const cleared = await postJson(url, token, { media_id: id, alt_text: { text: '' } });
    assert.equal(cleared.status, 200);
    assert.deepEqual(cleared.json.data.associated_metadata, {});
  });

  it('takes "true"/"false" strings and booleans for allow_download, nothing else', async () => {
    const id = await newImage();
    for (const [sent, stored] of [['false', false], [true, true], ['true', true], [false, false]] as const) {
      const result = await postJson(url, token, { media_id: id, allow_download_status: { allow_download: sent } });
      assert.equal(result.json.data.associated_metadata.allow_download_status.allow_download, stored);
    }
    for (const bad of ['yes', 1, null, 'TRUE']) {
      assertInvalidParameter(
        await postJson(url, token, { media_id: id, allow_download_status: { allow_download: bad } }),
        'allow_download_status.allow_download',
      );
    }
  });

  it('counts alt text in code points: 1000 astral characters pass, 1001 fail', async () => {
    const id = await newImage();
    const ok = await postJson(url, token, { media_id: id, alt_text: { text: '😀'.repeat(1000) } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal([...ok.json.data.associated_metadata.alt_text.text].length, 1000);
    assertInvalidParameter(await postJson(url, token, { media_id: id, alt_text: { text: '😀'.repeat(1001) } }), 'alt_text.text', 'may only be 1000 characters long');
    assert.equal((await postJson(url, token, { media_id: id, alt_text: { text: 'a\nb'.repeat(333) + 'c' } })).status, 200);
    assertInvalidParameter(await postJson(url, token, { media_id: id, alt_text: { text: 'x'.repeat(1001) } }), 'alt_text.text');
  });

  it('takes 25 stickers and refuses 26 or none', async () => {
    const id = await newImage();
    const sticker = { id: 's', aspect_ratio: 1.5, transform_tx: -2 };
    assert.equal((await postJson(url, token, { media_id: id, sticker_info: { stickers: Array(25).fill(sticker) } })).status, 200);
    assertInvalidParameter(await postJson(url, token, { media_id: id, sticker_info: { stickers: Array(26).fill(sticker) } }), 'sticker_info.stickers', 'maximum of 25');
    assertInvalidParameter(await postJson(url, token, { media_id: id, sticker_info: { stickers: [] } }), 'sticker_info.stickers', 'minimum of 1');
    assertInvalidParameter(await postJson(url, token, { media_id: id, sticker_info: { stickers: [{ transform_a: '1' }] } }), 'sticker_info.stickers.0.transform_a');
    // 1e999 is valid JSON that parses to Infinity: not a finite number.
    assertInvalidParameter(await postJson(url, token, `{"media_id":"${id}","sticker_info":{"stickers":[{"aspect_ratio":1e999}]}}`), 'sticker_info.stickers.0.aspect_ratio');
  });

  it('keeps every sticker field X defines, in X’s order, and nothing else', async () => {
    // copySticker spells the fields out (for speed); STICKER_FIELDS is the list the schemas are built from.
    const reversed = Object.fromEntries([...STICKER_FIELDS].reverse().map((field, i) => [field, field === 'id' ? 'sticker' : i + 0.5]));
    const copied = copySticker({ ...reversed, extra: true } as Sticker);
    assert.deepEqual(Object.keys(copied), STICKER_FIELDS);
    assert.deepEqual(copied, reversed);

    const id = await newImage();
    const written = await postJson(url, token, { media_id: id, sticker_info: { stickers: [{ ...reversed, extra: true }] } });
    assert.equal(written.status, 200, written.text);
    assert.deepEqual(written.json.data.associated_metadata.sticker_info.stickers, [copied]);
  });

  it('limits found_media_origin to an 8-character provider and a 24-character id', async () => {
    const id = await newImage();
    const ok = await postJson(url, token, { media_id: id, found_media_origin: { provider: 'x'.repeat(8), id: 'y'.repeat(24) } });
    assert.equal(ok.status, 200, ok.text);
    assertInvalidParameter(await postJson(url, token, { media_id: id, found_media_origin: { provider: 'x'.repeat(9), id: 'a' } }), 'found_media_origin.provider');
    assertInvalidParameter(await postJson(url, token, { media_id: id, found_media_origin: { provider: 'giphy', id: 'y'.repeat(25) } }), 'found_media_origin.id');
  });

  it('wants media_id as a string of 1 to 19 digits', async () => {
    for (const bad of [123, '', 'abc', '1'.repeat(20), '-1', '12 ']) {
      assertInvalidParameter(await postJson(url, token, { media_id: bad }), 'media_id');
    }
    assertInvalidParameter(await postJson(url, token, { alt_text: { text: 'x' } }), 'media_id', 'is missing but it is required');
    // 19 digits is well-formed: it names no media of the caller, which is the same 400 as any unknown id.
    const unknown = await postJson(url, token, { media_id: '9'.repeat(19) });
    assertInvalidParameter(unknown, 'media_id');
    assert.deepEqual(unknown.json.errors[0].parameters, { media_id: ['9'.repeat(19)] });
  });

  it('answers each invalid body with X’s exact bytes', async () => {
    const id = await newImage();
    const cases: [unknown, Record<string, string[]>, string][] = [
      [{}, { media_id: [] }, '$.media_id: is missing but it is required'],
      [{ media_id: 123 }, { media_id: ['123'] }, '$.media_id: integer found, string expected'],
      [{ media_id: null }, { media_id: ['null'] }, '$.media_id: null found, string expected'],
      [{ media_id: '1'.repeat(20) }, { media_id: ['1'.repeat(20)] }, '$.media_id: does not match the regex pattern ^[0-9]{1,19}$'],
      [{ media_id: '9'.repeat(19) }, { media_id: ['9'.repeat(19)] }, `Media id ${'9'.repeat(19)} was not found.`],
      [{ media_id: id, alt_text: {} }, { 'alt_text.text': [] }, '$.alt_text.text: is missing but it is required'],
      [{ media_id: id, alt_text: 'cat' }, { alt_text: ['cat'] }, '$.alt_text: string found, object expected'],
      [{ media_id: id, alt_text: { text: 'x'.repeat(1001) } }, { 'alt_text.text': ['x'.repeat(1001)] }, '$.alt_text.text: may only be 1000 characters long'],
      // Long values are echoed cut short, never inside a surrogate pair.
      [{ media_id: id, alt_text: { text: '😀'.repeat(1001) } }, { 'alt_text.text': [`${'😀'.repeat(512)}…`] }, '$.alt_text.text: may only be 1000 characters long'],
      [{ media_id: id, alt_text: { text: `a${'😀'.repeat(1001)}` } }, { 'alt_text.text': [`a${'😀'.repeat(511)}…`] }, '$.alt_text.text: may only be 1000 characters long'],
      [{ media_id: id, allow_download_status: { allow_download: 'yes' } }, { 'allow_download_status.allow_download': ['yes'] }, '$.allow_download_status.allow_download: string found, boolean expected'],
      [{ media_id: id, found_media_origin: { provider: 'x'.repeat(9) } }, { 'found_media_origin.provider': ['x'.repeat(9)] }, '$.found_media_origin.provider: may only be 8 characters long'],
      [{ media_id: id, found_media_origin: { id: 'y'.repeat(25) } }, { 'found_media_origin.id': ['y'.repeat(25)] }, '$.found_media_origin.id: may only be 24 characters long'],
      [{ media_id: id, sticker_info: { stickers: [] } }, { 'sticker_info.stickers': ['[]'] }, '$.sticker_info.stickers: there must be a minimum of 1 items in the array'],
      [{ media_id: id, sticker_info: { stickers: Array(26).fill({}) } }, { 'sticker_info.stickers': [JSON.stringify(Array(26).fill({}))] }, '$.sticker_info.stickers: there must be a maximum of 25 items in the array'],
      [{ media_id: id, sticker_info: { stickers: [{ transform_a: '1' }] } }, { 'sticker_info.stickers.0.transform_a': ['1'] }, '$.sticker_info.stickers.0.transform_a: string found, number expected'],
      [{ media_id: id, upload_source: {} }, { 'upload_source.text': [] }, '$.upload_source.text: is missing but it is required'],
    ];
    for (const [body, parameters, message] of cases) {
      const result = await postJson(url, token, body);
      assert.equal(result.status, 400, result.text);
      assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(result.text, invalidRequestText(parameters, message));
    }
  });

  it('never reveals whether someone else’s media exists', async () => {
    const id = await newImage();
    const bob = await server.token('bob');
    const foreign = await postJson(url, bob, { media_id: id, alt_text: { text: 'mine now' } });
    const missing = await postJson(url, bob, { media_id: '1234567890123456789', alt_text: { text: 'mine now' } });
    assertInvalidParameter(foreign, 'media_id');
    assert.equal(foreign.text.replaceAll(id, 'ID'), missing.text.replaceAll('1234567890123456789', 'ID'));
  });

  it('ignores unknown keys and does not store them', async () => {
    const id = await newImage();
    const result = await postJson(url, token, { media_id: id, surprise: 1, alt_text: { text: 'x', extra: true } });
    assert.equal(result.status, 200);
    assert.deepEqual(result.json.data.associated_metadata, { alt_text: { text: 'x' } });
  });

  it('refuses a body that is not JSON with X’s exact bytes', async () => {
    const result = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: '{}',
    });
    assert.equal(result.status, 400);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(
      await result.text(),
      '{"errors":[{"parameters":{},"message":"Requests with bodies must have content-type of application/json."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}',
    );
  });

  it('refuses unparsable JSON with X’s exact bytes', async () => {
    const result = await postJson(url, token, '{"media_id": ');
    assert.equal(result.status, 400);
    assert.equal(
      result.text,
      '{"errors":[{"parameters":{},"message":"Request body is not valid JSON."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}',
    );
  });
});
