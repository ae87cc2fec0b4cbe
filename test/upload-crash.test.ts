import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { assertInvalidParameter } from './helpers/assertions.js';
import { get, postJson } from './helpers/http.js';
import { ensureBuilt, startServerProcess, tokenFromHint, type ServerProcess } from './helpers/process.js';
import { tempDir } from './helpers/server.js';
import { ChunkedUploader } from './helpers/upload.js';
import { freeBoxHeader, mp4 } from './helpers/video.js';

const MB = 1024 * 1024;

/**
 * kill -9 in the middle of an upload, in the middle of an append: after a restart on the same data directory the
 * upload is not media (STATUS, metadata and lookup all say so), the bytes already acknowledged are still there,
 * and the upload resumes and finalizes into a whole video.
 */
describe('crash: the server killed mid-upload', () => {
  const dataDir = tempDir();
  const servers: ServerProcess[] = [];
  const env = { XMEDIA_PROCESSING_PENDING_MS: '0', XMEDIA_PROCESSING_MS: '0' };

  after(async () => {
    for (const server of servers) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves no corrupt media, and the upload resumes on the restarted server', async () => {
    await ensureBuilt();
    const first = await startServerProcess(dataDir, env);
    servers.push(first);
    const token = tokenFromHint(first.stdout())!;
    const video = await mp4({ seconds: 1 });
    const total = 3 * 4 * MB;
    const bytes = Buffer.concat([video, freeBoxHeader(total - video.length), Buffer.alloc(total - video.length - 8)]);
    const segments = [0, 1, 2].map((i) => bytes.subarray(i * 4 * MB, (i + 1) * 4 * MB));

    const up = new ChunkedUploader(first.url, token);
    const init = await up.initialize({ media_type: 'video/mp4', total_bytes: total, media_category: 'tweet_video' });
    const id = init.json.data.id as string;
    assert.equal((await up.append(id, 0, segments[0]!)).status, 200);
    assert.equal((await up.append(id, 1, segments[1]!)).status, 200);

    // Segment 2: half of its bytes reach the server, then the server is killed.
    const cut = sendHalfAppend(first.url, token, id, 2, segments[2]!);
    await cut.halfSent;
    await sleep(200);
    await first.kill();
    assert.equal(await cut.outcome, 'cut', 'the cut append never got an answer');

    const second = await startServerProcess(dataDir, env);
    servers.push(second);
    assert.equal(tokenFromHint(second.stdout()), undefined, 'same data: no first-start bootstrap again');
    const again = new ChunkedUploader(second.url, token);
    assertInvalidParameter(await again.status(id), 'media_id', 'BadRequest: Not found');
    assertInvalidParameter(await postJson(`${second.url}/2/media/metadata`, token, { id, metadata: { management_info: { managed: true } } }), 'id', 'was not found');
    assert.equal((await get(`${second.url}/2/media/7_${id}`, token)).json.errors[0].title, 'Not Found Error');
    assertInvalidParameter(await again.finalize(id), 'id', 'add up to 8388608 bytes, not the 12582912');

    assert.equal((await again.append(id, 1, segments[1]!)).status, 200, 'segment 1 survived the kill (a retry of it is accepted)');
    assert.equal((await again.append(id, 2, segments[2]!)).status, 200);
    const finalized = await again.finalize(id);
    assert.equal(finalized.status, 200, finalized.text);
    assert.equal(finalized.json.data.size, total);
    const status = await again.status(id);
    assert.deepEqual(status.json.data.processing_info, { state: 'succeeded', progress_percent: 100 });
  });
});

/** A multipart append whose body stops half-way: resolves `halfSent` once half the file is on the wire. */
function sendHalfAppend(baseUrl: string, token: string, id: string, index: number, segment: Buffer) {
  const boundary = 'xmedia-crash-test';
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="segment_index"\r\n\r\n${index}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="media"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = http.request(`${baseUrl}/2/media/upload/${id}/append`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': head.length + segment.length + tail.length,
    },
  });
  const outcome = new Promise<'answered' | 'cut'>((resolve) => {
    req.on('response', () => resolve('answered'));
    req.on('error', () => resolve('cut'));
  });
  const halfSent = new Promise<void>((resolve) => {
    req.write(head);
    req.write(segment.subarray(0, segment.length / 2), () => resolve());
  });
  return { halfSent, outcome };
}
