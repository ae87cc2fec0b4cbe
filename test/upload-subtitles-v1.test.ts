import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertInvalidParameter } from './helpers/assertions.js';
import { get, postJson, request } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';
import { ChunkedUploader } from './helpers/upload.js';
import { mp4 } from './helpers/video.js';

const SRT = '1\n00:00:00,000 --> 00:00:01,000\nHello\n\n2\n00:00:01,000 --> 00:00:02,000\nWorld\n';
const VTT = 'WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n';

describe('subtitles: POST and DELETE /2/media/subtitles', () => {
  let server: TestServer;
  let token: string;
  let up: ChunkedUploader;
  let videoId: string;

  before(async () => {
    server = await startServer({ XMEDIA_PROCESSING_PENDING_MS: '0', XMEDIA_PROCESSING_MS: '0' });
    token = await server.token('alice');
    up = new ChunkedUploader(server.url, token);
    const video = await up.upload(await mp4(), 'video/mp4', 'tweet_video');
    videoId = video.json.data.id as string;
  });
  after(() => server.close());

  function subtitles(method: 'POST' | 'DELETE', body: unknown) {
    return request(`${server.url}/2/media/subtitles`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  it('attaches SRT (one-shot) and VTT (chunked) files to a video, one track per language, and detaches them', async () => {
    const srt = await uploadImage(server.url, token, Buffer.from(SRT), { media_category: 'subtitles', media_type: 'text/srt' });
    assert.equal(srt.status, 200, JSON.stringify(srt.json));
    const srtId = srt.json.data.id as string;
    assert.equal(srt.json.data.media_key, `23_${srtId}`);
    const vtt = await up.upload(Buffer.from(VTT), 'text/vtt', 'subtitles');
    assert.equal(vtt.status, 200, vtt.text);
    const vttId = vtt.json.data.id as string;

    const english = await subtitles('POST', {
      id: videoId,
      media_category: 'TweetVideo',
      subtitles: { id: srtId, language_code: 'EN', display_name: 'English' },
    });
    assert.equal(english.status, 200, english.text);
    assert.deepEqual(english.json, {
      data: { associated_subtitles: [{ display_name: 'English', id: srtId, language_code: 'EN' }], id: videoId, media_category: 'TweetVideo' },
    });
    const french = await subtitles('POST', {
      id: videoId,
      media_category: 'TweetVideo',
      subtitles: { id: vttId, language_code: 'FR', display_name: 'Français' },
    });
    assert.deepEqual(
      french.json.data.associated_subtitles.map((t: { language_code: string }) => t.language_code),
      ['EN', 'FR'],
    );
    const replaced = await subtitles('POST', {
      id: videoId,
      media_category: 'TweetVideo',
      subtitles: { id: vttId, language_code: 'EN', display_name: 'English (2)' },
    });
    assert.deepEqual(replaced.json.data.associated_subtitles, [
      { display_name: 'Français', id: vttId, language_code: 'FR' },
      { display_name: 'English (2)', id: vttId, language_code: 'EN' },
    ]);

    const deleted = await subtitles('DELETE', { id: videoId, media_category: 'TweetVideo', language_code: 'EN' });
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.json, { data: { deleted: true } });
    assert.deepEqual((await subtitles('DELETE', { id: videoId, media_category: 'TweetVideo', language_code: 'EN' })).json, {
      data: { deleted: false },
    });
  });

  it('refuses subtitles on anything but the caller\'s video, files that are not subtitles, and bad fields', async () => {
    const image = await uploadImage(server.url, token, png());
    const imageId = image.json.data.id as string;
    const srt = await uploadImage(server.url, token, Buffer.from(SRT), { media_category: 'subtitles' });
    const srtId = srt.json.data.id as string;
    const track = { id: srtId, language_code: 'EN', display_name: 'English' };

    assertInvalidParameter(await subtitles('POST', { id: imageId, media_category: 'TweetVideo', subtitles: track }), 'id', 'is not a video');
    assertInvalidParameter(await subtitles('POST', { id: videoId, media_category: 'AmplifyVideo', subtitles: track }), 'media_category', 'not a AmplifyVideo');
    assertInvalidParameter(
      await subtitles('POST', { id: videoId, media_category: 'TweetVideo', subtitles: { ...track, id: imageId } }),
      'subtitles.id',
      'Subtitles media id',
    );
    assertInvalidParameter(
      await subtitles('POST', { id: videoId, media_category: 'TweetVideo', subtitles: { ...track, language_code: 'en' } }),
      'subtitles.language_code',
    );
    assertInvalidParameter(await subtitles('POST', { id: '1234567890123456789', media_category: 'TweetVideo', subtitles: track }), 'id', 'was not found');
    const mallory = await server.token('mallory');
    const foreign = await request(`${server.url}/2/media/subtitles`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${mallory}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: videoId, media_category: 'TweetVideo', language_code: 'EN' }),
    });
    assertInvalidParameter(foreign, 'id', 'was not found');

    const notSubtitles = await uploadImage(server.url, token, png(), { media_category: 'subtitles' });
    assert.equal(notSubtitles.status, 400);
    assert.match(notSubtitles.json.errors[0].message, /not a UTF-8 SubRip \(SRT\) or WebVTT file/);
  });
});

describe('v1.1: /1.1/media/upload.json and /1.1/media/metadata/create.json', () => {
  let server: TestServer;
  let token: string;
  let auth: Record<string, string>;
  const url = (path: string) => `${server.url}/1.1/media/${path}`;

  before(async () => {
    server = await startServer({ XMEDIA_PROCESSING_PENDING_MS: '0', XMEDIA_PROCESSING_MS: '0' });
    token = await server.token('alice');
    auth = { authorization: `Bearer ${token}` };
  });
  after(() => server.close());

  function form(fields: Record<string, string>, media?: Buffer): FormData {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    if (media) body.append('media', new Blob([new Uint8Array(media)]));
    return body;
  }

  it('runs INIT, APPEND (204), FINALIZE and STATUS in v1.1 shapes, media_id as a 64-bit JSON number', async () => {
    const bytes = await mp4();
    const init = await request(url('upload.json'), {
      method: 'POST',
      headers: auth,
      body: form({ command: 'INIT', total_bytes: String(bytes.length), media_type: 'video/mp4', media_category: 'tweet_video' }),
    });
    assert.equal(init.status, 200, init.text);
    const id = init.json.media_id_string as string;
    assert.equal(init.text, `{"media_id":${id},"media_id_string":"${id}","media_key":"7_${id}","expires_after_secs":86400}`);

    const half = Math.floor(bytes.length / 2);
    const append0 = await request(url('upload.json'), {
      method: 'POST',
      headers: auth,
      body: form({ command: 'APPEND', media_id: id, segment_index: '0' }, bytes.subarray(0, half)),
    });
    assert.equal(append0.status, 204, append0.text);
    assert.equal(append0.text, '');
    const append1 = await request(url('upload.json'), {
      method: 'POST',
      headers: auth,
      body: new URLSearchParams({ command: 'APPEND', media_id: id, segment_index: '1', media_data: bytes.subarray(half).toString('base64') }),
    });
    assert.equal(append1.status, 204, append1.text);

    const finalize = await request(url('upload.json'), { method: 'POST', headers: auth, body: form({ command: 'FINALIZE', media_id: id }) });
    assert.equal(finalize.status, 200, finalize.text);
    assert.ok(finalize.text.startsWith(`{"media_id":${id},"media_id_string":"${id}",`), finalize.text);
    assert.deepEqual(finalize.json.video, { video_type: 'video/mp4' });
    assert.equal(finalize.json.size, bytes.length);
    assert.ok(['pending', 'in_progress', 'succeeded'].includes(finalize.json.processing_info.state));

    const status = await get(`${url('upload.json')}?command=STATUS&media_id=${id}`, token);
    assert.equal(status.status, 200, status.text);
    assert.deepEqual(status.json.processing_info, { state: 'succeeded', progress_percent: 100 });
  });

  it('takes the simple image upload and sets alt text from a JSON or text/plain body, answering 200 with no body', async () => {
    const simple = await request(url('upload.json'), { method: 'POST', headers: auth, body: form({}, png(8, 6)) });
    assert.equal(simple.status, 200, simple.text);
    const id = simple.json.media_id_string as string;
    assert.deepEqual(simple.json.image, { image_type: 'image/png', w: 8, h: 6 });

    const plain = await request(url('metadata/create.json'), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: JSON.stringify({ media_id: id, alt_text: { text: 'from v1.1' }, sensitive_media_warning: ['other'] }),
    });
    assert.equal(plain.status, 200, plain.text);
    assert.equal(plain.text, '');
    const lookup = await get(`${server.url}/2/media/3_${id}?media.fields=alt_text`, token);
    assert.equal(lookup.json.data.alt_text, 'from v1.1');
    const wrapped = await postJson(`${server.url}/2/media/metadata`, token, { id, metadata: {} });
    assert.deepEqual(wrapped.json.data.associated_metadata, {
      alt_text: { text: 'from v1.1' },
      sensitive_media_warning: { adult_content: false, graphic_violence: false, other: true },
    });

    const json = await postJson(url('metadata/create.json'), token, { media_id: id, alt_text: { text: 'again' } });
    assert.equal(json.status, 200, json.text);
    assert.equal(json.text, '');
  });

  it('answers errors in v1.1 shape', async () => {
    const unknown = await postJson(url('metadata/create.json'), token, { media_id: '1234567890123456789', alt_text: { text: 'x' } });
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.json, { errors: [{ code: 324, message: 'Media id 1234567890123456789 was not found.' }] });
    const missing = await request(url('upload.json'), { method: 'POST', headers: auth, body: form({ command: 'FINALIZE' }) });
    assert.deepEqual(missing.json, { errors: [{ code: 38, message: 'media_id parameter is missing.' }] });
    const status = await get(`${url('upload.json')}?command=STATUS&media_id=1234567890123456789`, token);
    assert.deepEqual(status.json, { errors: [{ code: 324, message: 'BadRequest: Not found' }] });
    const anonymous = await request(url('upload.json'), { method: 'POST', body: form({ command: 'FINALIZE', media_id: '1' }) });
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.json, { errors: [{ code: 89, message: 'Invalid or expired token.' }] });
    const appOnly = await postJson(url('metadata/create.json'), await server.appToken(), { media_id: '1' });
    assert.equal(appOnly.status, 403);
    assert.deepEqual(appOnly.json, { errors: [{ code: 220, message: 'Your credentials do not allow access to this resource.' }] });
  });
});
