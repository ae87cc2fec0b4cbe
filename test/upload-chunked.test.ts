import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { assertInvalidParameter } from './helpers/assertions.js';
import { get, postJson, request } from './helpers/http.js';
import { gif, jpeg, png } from './helpers/images.js';
import { startServer, type TestServer } from './helpers/server.js';
import { ChunkedUploader } from './helpers/upload.js';
import { mp4 } from './helpers/video.js';

const MB = 1024 * 1024;

/** Processing fast enough to watch every state within a test. */
const PROCESSING = { XMEDIA_PROCESSING_PENDING_MS: '300', XMEDIA_PROCESSING_MS: '900' };

const PHASES = ['pending', 'in_progress', 'succeeded', 'failed'];

interface ProcessingInfo {
  state: string;
  progress_percent?: number;
}

/** Every processing_info seen by polling STATUS until processing ends (or 30 s pass). */
async function statesUntilSettled(up: ChunkedUploader, id: string): Promise<ProcessingInfo[]> {
  const seen: ProcessingInfo[] = [];
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const status = await up.status(id);
    assert.equal(status.status, 200, status.text);
    const info = status.json.data.processing_info as ProcessingInfo;
    seen.push(info);
    if (info.state === 'succeeded' || info.state === 'failed') return seen;
    await sleep(100);
  }
  assert.fail(`processing did not end: ${JSON.stringify(seen)}`);
}

describe('chunked upload (initialize, append, finalize, STATUS)', () => {
  let server: TestServer;
  let token: string;
  let up: ChunkedUploader;

  before(async () => {
    server = await startServer(PROCESSING);
    token = await server.token('alice');
    up = new ChunkedUploader(server.url, token);
  });
  after(() => server.close());

  it('takes an image in segments sent out of order and answers like X, with no processing_info', async () => {
    const bytes = png(40, 30, 3000);
    const init = await up.initialize({ media_type: 'image/png', total_bytes: bytes.length, media_category: 'tweet_image' });
    assert.equal(init.status, 200, init.text);
    const id = init.json.data.id as string;
    assert.match(id, /^[0-9]{19}$/);
    assert.deepEqual(init.json, { data: { id, media_key: `3_${id}`, expires_after_secs: 86_400 } });
    assert.ok(init.headers.get('x-rate-limit-limit'));

    for (const index of [2, 0, 1]) {
      const appended = await up.append(id, index, bytes.subarray(index * 1000, (index + 1) * 1000));
      assert.equal(appended.status, 200, appended.text);
      const expiresAt = appended.json.data.expires_at as number;
      assert.ok(Math.abs(expiresAt - (Date.now() / 1000 + 86_400)) < 5, `expires_at ${expiresAt}`);
    }
    const finalized = await up.finalize(id);
    assert.equal(finalized.status, 200, finalized.text);
    // The lifetime counts down from initialize: a second or two may have passed on a loaded machine.
    const remaining = finalized.json.data.expires_after_secs as number;
    assert.ok(remaining <= 86_400 && remaining > 86_390, `expires_after_secs ${remaining}`);
    assert.deepEqual(finalized.json, {
      data: { id, media_key: `3_${id}`, size: 3000, expires_after_secs: remaining, image: { image_type: 'image/png', w: 40, h: 30 } },
    });
    const status = await up.status(id);
    assert.equal(status.status, 200, status.text);
    assert.deepEqual({ ...status.json, data: { ...status.json.data, expires_after_secs: remaining } }, finalized.json);
    assert.ok(status.json.data.expires_after_secs <= remaining);

    const lookup = await get(`${server.url}/2/media/3_${id}?media.fields=width,height`, token);
    assert.deepEqual(lookup.json, { data: { media_key: `3_${id}`, type: 'photo', width: 40, height: 30 } });
    const metadata = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: id, alt_text: { text: 'chunked' } });
    assert.equal(metadata.status, 200, metadata.text);
  });

  it('accepts a retried segment with the same bytes and refuses one with different bytes', async () => {
    const bytes = png(4, 3, 2000);
    const init = await up.initialize({ media_type: 'image/png', total_bytes: bytes.length, media_category: 'tweet_image' });
    const id = init.json.data.id as string;
    assert.equal((await up.append(id, 0, bytes.subarray(0, 1000))).status, 200);
    assert.equal((await up.append(id, 0, bytes.subarray(0, 1000))).status, 200, 'a retry is fine');
    assertInvalidParameter(await up.append(id, 0, bytes.subarray(1000, 2000)), 'segment_index', 'already appended with different bytes');
    assert.equal((await up.append(id, 1, bytes.subarray(1000, 2000))).status, 200);
    assert.equal((await up.finalize(id)).status, 200);
  });

  it('refuses to finalize with a missing segment or bytes that do not add up to total_bytes', async () => {
    const bytes = png(4, 3, 3000);
    const init = await up.initialize({ media_type: 'image/png', total_bytes: bytes.length, media_category: 'tweet_image' });
    const id = init.json.data.id as string;
    assertInvalidParameter(await up.finalize(id), 'id', 'Segment 0 is missing');
    await up.append(id, 0, bytes.subarray(0, 1000));
    await up.append(id, 2, bytes.subarray(2000, 3000));
    assertInvalidParameter(await up.finalize(id), 'id', 'Segment 1 is missing');
    await up.append(id, 1, bytes.subarray(1000, 1500));
    assertInvalidParameter(await up.finalize(id), 'id', 'add up to 2500 bytes, not the 3000 bytes of total_bytes');
    assertInvalidParameter(await up.status(id), 'media_id', 'BadRequest: Not found');

    const over = await up.initialize({ media_type: 'image/png', total_bytes: 1500, media_category: 'tweet_image' });
    const overId = over.json.data.id as string;
    assert.equal((await up.append(overId, 0, bytes.subarray(0, 1000))).status, 200);
    assertInvalidParameter(await up.append(overId, 1, bytes.subarray(1000, 2000)), 'segment_index', 'past its total_bytes');
  });

  it('refuses finalize twice and append after finalize', async () => {
    const bytes = png();
    const init = await up.initialize({ media_type: 'image/png', total_bytes: bytes.length });
    const id = init.json.data.id as string;
    await up.append(id, 0, bytes);
    assert.equal((await up.finalize(id)).status, 200);
    assertInvalidParameter(await up.finalize(id), 'id', 'already finalized');
    assertInvalidParameter(await up.append(id, 1, bytes), 'id', 'already finalized');
  });

  it('treats unknown and foreign ids alike, on every step', async () => {
    const bytes = png();
    const init = await up.initialize({ media_type: 'image/png', total_bytes: bytes.length });
    const id = init.json.data.id as string;
    const mallory = new ChunkedUploader(server.url, await server.token('mallory'));
    for (const who of [mallory, up]) {
      const target = who === up ? '1234567890123456789' : id;
      const appended = await who.append(target, 0, bytes);
      assertInvalidParameter(appended, 'id', `Media id ${target} was not found`);
      assertInvalidParameter(await who.finalize(target), 'id', `Media id ${target} was not found`);
      assertInvalidParameter(await who.status(target), 'media_id', 'BadRequest: Not found');
    }
    assertInvalidParameter(await up.append('abc', 0, bytes), 'id', 'does not match');
  });

  it('refuses content that lies about its type, truncated files and empty uploads', async () => {
    const liar = await up.upload(gif(), 'image/png', 'tweet_image');
    assertInvalidParameter(liar, 'media_type', 'The media is image/gif, not image/png');

    const whole = png(10, 10, 2000);
    const truncated = await up.upload(whole.subarray(0, 1500), 'image/png', 'tweet_image');
    assertInvalidParameter(truncated, 'media', 'not a readable JPEG');

    const video = await mp4();
    const cut = await up.upload(video.subarray(0, video.length - 100), 'video/mp4', 'tweet_video');
    assertInvalidParameter(cut, 'media', 'truncated');
    assertInvalidParameter(await up.upload(png(), 'video/mp4', 'tweet_video'), 'media_type', 'The media is image/png, not video/mp4');

    assertInvalidParameter(await up.initialize({ media_type: 'image/png', total_bytes: 0 }), 'total_bytes', 'empty');
    assertInvalidParameter(await up.initialize({ media_type: 'image/png' }), 'total_bytes', 'is missing');
    assertInvalidParameter(await up.initialize({ media_type: 'image/png', total_bytes: '10' }), 'total_bytes', 'string found, integer expected');
  });

  it('enforces X limits: per kind, per chunk, segment_index 0–999, 100 owners, known types, fitting categories', async () => {
    assertInvalidParameter(await up.initialize({ media_type: 'image/png', total_bytes: 5 * MB + 1 }), 'total_bytes', 'at most 5 MB');
    assertInvalidParameter(await up.initialize({ media_type: 'image/gif', total_bytes: 15 * MB + 1 }), 'total_bytes', 'at most 15 MB');
    assertInvalidParameter(await up.initialize({ media_type: 'video/mp4', total_bytes: 512 * MB + 1 }), 'total_bytes', 'at most 512 MB');
    assert.equal((await up.initialize({ media_type: 'video/mp4', total_bytes: 512 * MB })).status, 200);
    assertInvalidParameter(await up.initialize({ media_type: 'model/gltf-binary', total_bytes: 10 }), 'media_type', 'not supported');
    assertInvalidParameter(
      await up.initialize({ media_type: 'image/png', total_bytes: 10, media_category: 'tweet_video' }),
      'media_category',
      'does not take image/png',
    );
    const owners = Array.from({ length: 101 }, (_, i) => String(1000 + i));
    assertInvalidParameter(
      await up.initialize({ media_type: 'image/png', total_bytes: 10, additional_owners: owners }),
      'additional_owners',
      'maximum of 100 items',
    );

    const big = await up.initialize({ media_type: 'video/mp4', total_bytes: 20 * MB, media_category: 'tweet_video' });
    const id = big.json.data.id as string;
    assertInvalidParameter(await up.append(id, 0, Buffer.alloc(5 * MB + 1)), 'media', 'at most 5242880 bytes');
    assert.equal((await up.append(id, 0, Buffer.alloc(5 * MB))).status, 200, 'exactly 5 MB is fine');
    assertInvalidParameter(await up.append(id, 1000, Buffer.alloc(10)), 'segment_index', 'must be an integer from 0 to 999');
    assertInvalidParameter(await up.append(id, -1, Buffer.alloc(10)), 'segment_index');
  });

  it('processes a video: pending → in_progress → succeeded, with container facts', async () => {
    const bytes = await mp4({ seconds: 3, width: 320, height: 240 });
    const finalized = await up.upload(bytes, 'video/mp4', 'tweet_video', 400);
    assert.equal(finalized.status, 200, finalized.text);
    const id = finalized.json.data.id as string;
    assert.equal(finalized.json.data.media_key, `7_${id}`);
    assert.deepEqual(finalized.json.data.video, { video_type: 'video/mp4' });
    assert.deepEqual(finalized.json.data.processing_info, { state: 'pending', check_after_secs: 1, progress_percent: 0 });

    // Metadata is taken while processing (alt text is for pictures only).
    const early = await postJson(`${server.url}/2/media/metadata`, token, { id, metadata: { allow_download_status: { allow_download: true } } });
    assert.equal(early.status, 200, early.text);

    // Phases are timed by the server's clock; on a loaded machine a poll may miss one, never reorder them.
    const seen = await statesUntilSettled(up, id);
    assert.deepEqual(seen.at(-1), { state: 'succeeded', progress_percent: 100 });
    const order = seen.map((info) => PHASES.indexOf(info.state));
    assert.deepEqual(order, [...order].sort(), `states in order: ${seen.map((info) => info.state).join(', ')}`);
    for (const info of seen) {
      if (info.state === 'in_progress') assert.ok((info.progress_percent ?? 0) >= 1 && (info.progress_percent ?? 100) <= 99);
    }
    const lookup = await get(`${server.url}/2/media/7_${id}?media.fields=width,height,duration_ms`, token);
    assert.deepEqual(lookup.json, { data: { media_key: `7_${id}`, type: 'video', width: 320, height: 240, duration_ms: 3000 } });
  });

  it('fails processing of a video longer than X allows, and such media take no metadata', async () => {
    const bytes = await mp4({ seconds: 141 });
    const finalized = await up.upload(bytes, 'video/mp4', 'tweet_video');
    assert.equal(finalized.status, 200, finalized.text);
    const id = finalized.json.data.id as string;
    assert.deepEqual((await statesUntilSettled(up, id)).at(-1), {
      state: 'failed',
      progress_percent: 100,
      error: { code: 1, name: 'InvalidMedia', message: 'Duration too long, maximum:140000, actual:141000' },
    });
    const metadata = await postJson(`${server.url}/2/media/metadata`, token, { id, metadata: { management_info: { managed: true } } });
    assertInvalidParameter(metadata, 'id', 'failed processing');
    const lookup = await get(`${server.url}/2/media/7_${id}`, token);
    assert.equal(lookup.json.errors[0].title, 'Not Found Error');
  });

  it('processes a GIF and reports its dimensions', async () => {
    const finalized = await up.upload(gif(), 'image/gif', 'tweet_gif');
    assert.equal(finalized.status, 200, finalized.text);
    const id = finalized.json.data.id as string;
    assert.equal(finalized.json.data.media_key, `16_${id}`);
    assert.deepEqual(finalized.json.data.image, { image_type: 'image/gif', w: 2, h: 2 });
    assert.equal(finalized.json.data.processing_info.state, 'pending');
    assert.equal((await statesUntilSettled(up, id)).at(-1)?.state, 'succeeded');
  });

  it('takes JSON base64 appends and a finalize with an empty JSON-labelled body (the xdk)', async () => {
    const bytes = jpeg();
    const init = await up.initialize({ media_type: 'image/jpeg', total_bytes: bytes.length, media_category: 'dm_image' });
    const id = init.json.data.id as string;
    const half = Math.floor(bytes.length / 2);
    for (const [index, piece] of [bytes.subarray(0, half), bytes.subarray(half)].entries()) {
      const appended = await postJson(`${server.url}/2/media/upload/${id}/append`, token, { media: piece.toString('base64'), segment_index: index });
      assert.equal(appended.status, 200, appended.text);
    }
    assertInvalidParameter(
      await postJson(`${server.url}/2/media/upload/${id}/append`, token, { media: '***', segment_index: 2 }),
      'media',
      'base64',
    );
    const finalized = await request(`${server.url}/2/media/upload/${id}/finalize`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    assert.equal(finalized.status, 200, finalized.text);
    assert.deepEqual(finalized.json.data.image, { image_type: 'image/jpeg', w: 1, h: 1 });
  });

  it('speaks the legacy command= form of POST /2/media/upload, through the same steps', async () => {
    const bytes = png(6, 5, 1500);
    const base = `${server.url}/2/media/upload`;
    const auth = { authorization: `Bearer ${token}` };
    const init = await request(`${base}?command=INIT&media_type=image/png&total_bytes=${bytes.length}&media_category=tweet_image`, {
      method: 'POST',
      headers: auth,
    });
    assert.equal(init.status, 200, init.text);
    const id = init.json.data.id as string;
    assert.equal(init.json.data.media_key, `3_${id}`);

    const form = new FormData();
    form.append('command', 'APPEND');
    form.append('media_id', id);
    form.append('segment_index', '0');
    form.append('media', new Blob([new Uint8Array(bytes.subarray(0, 1000))]));
    const append0 = await request(base, { method: 'POST', headers: auth, body: form });
    assert.equal(append0.status, 200, append0.text);
    assert.equal(typeof append0.json.data.expires_at, 'number');

    const urlencoded = new URLSearchParams({
      command: 'APPEND',
      media_id: id,
      segment_index: '1',
      media_data: bytes.subarray(1000).toString('base64'),
    });
    const append1 = await request(base, { method: 'POST', headers: auth, body: urlencoded });
    assert.equal(append1.status, 200, append1.text);

    const finalize = await request(base, { method: 'POST', headers: auth, body: new URLSearchParams({ command: 'FINALIZE', media_id: id }) });
    assert.equal(finalize.status, 200, finalize.text);
    assert.deepEqual(finalize.json.data.image, { image_type: 'image/png', w: 6, h: 5 });
    assertInvalidParameter(await request(`${base}?command=STATUS&media_id=${id}`, { method: 'POST', headers: auth }), 'command', 'enumeration');
  });

  it('runs steps of one upload on different instances sharing the store and blobs', async () => {
    const other = await startServer(PROCESSING, server.dataDir);
    try {
      const otherUp = new ChunkedUploader(other.url, token);
      const bytes = await mp4({ seconds: 1 });
      const init = await up.initialize({ media_type: 'video/mp4', total_bytes: bytes.length, media_category: 'tweet_video' });
      const id = init.json.data.id as string;
      const half = Math.floor(bytes.length / 2);
      assert.equal((await otherUp.append(id, 1, bytes.subarray(half))).status, 200);
      assert.equal((await up.append(id, 0, bytes.subarray(0, half))).status, 200);
      const finalized = await otherUp.finalize(id);
      assert.equal(finalized.status, 200, finalized.text);
      const status = await up.status(id);
      assert.equal(status.json.data.processing_info.state, finalized.json.data.processing_info.state);
    } finally {
      await other.closeKeepingData();
    }
  });
});
