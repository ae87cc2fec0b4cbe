import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { request } from './helpers/http.js';
import { ensureBuilt, rssBytes, startServerProcess, tokenFromHint, type ServerProcess } from './helpers/process.js';
import { tempDir } from './helpers/server.js';
import { freeBoxHeader, mp4 } from './helpers/video.js';

const MB = 1024 * 1024;
const TOTAL = 128 * MB;
const CHUNK = 4 * MB;
const RSS_BOUND = 150 * MB;

/**
 * A 128 MB video uploaded in 4 MB appends to the real server process: its resident memory stays bounded, because
 * appends stream to disk and finalize reads only what it needs. The bytes are made on the fly (a real MP4 padded
 * with a `free` box), so the test process does not hold them either.
 */
describe('memory: a 128 MB chunked upload', () => {
  let dataDir: string;
  let server: ServerProcess;
  let token: string;

  before(async () => {
    await ensureBuilt();
    dataDir = tempDir();
    server = await startServerProcess(dataDir, { XMEDIA_PROCESSING_PENDING_MS: '0', XMEDIA_PROCESSING_MS: '0', XMEDIA_RATE_LIMITS: 'off' });
    token = tokenFromHint(server.stdout())!;
  });
  after(async () => {
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the server under 150 MB of RSS from initialize to finalize', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const rss = () => rssBytes(server.child.pid!);
    const video = await mp4({ seconds: 1 });
    const head = Buffer.concat([video, freeBoxHeader(TOTAL - video.length)]);
    const zeros = Buffer.alloc(CHUNK);

    let peak = rss();
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss());
    }, 20);
    try {
      const init = await request(`${server.url}/2/media/upload/initialize`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ media_type: 'video/mp4', total_bytes: TOTAL, media_category: 'tweet_video' }),
      });
      assert.equal(init.status, 200, init.text);
      const id = init.json.data.id as string;
      for (let index = 0; index * CHUNK < TOTAL; index++) {
        const chunk = index === 0 ? Buffer.concat([head, zeros.subarray(head.length)]) : zeros.subarray(0, Math.min(CHUNK, TOTAL - index * CHUNK));
        const form = new FormData();
        form.append('segment_index', String(index));
        form.append('media', new Blob([chunk]));
        const appended = await request(`${server.url}/2/media/upload/${id}/append`, { method: 'POST', headers: auth, body: form });
        assert.equal(appended.status, 200, appended.text);
      }
      const finalized = await request(`${server.url}/2/media/upload/${id}/finalize`, { method: 'POST', headers: auth });
      assert.equal(finalized.status, 200, finalized.text);
      assert.equal(finalized.json.data.size, TOTAL);
      assert.deepEqual(finalized.json.data.video, { video_type: 'video/mp4' });
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rss());
    assert.ok(peak < RSS_BOUND, `server RSS peaked at ${(peak / MB).toFixed(1)} MB`);
  });
});
