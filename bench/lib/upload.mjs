// Chunked uploads for the upload scenario: the same bytes, in the same appends, to xmedia and to the bare server.
import { freeBoxHeader, mp4 } from '../../test/helpers/video.ts';
import { watchRss } from './processes.mjs';

const MiB = 1024 * 1024;

/**
 * A large, valid MP4 of `totalMiB`: a real 1-second video (built by the tests' mediabunny helper), then one
 * `free` box whose pseudo-random payload fills the rest, so nothing along the way can compress or deduplicate
 * it. Two distinct segments are enough to defeat any caching; building every 4 MiB would measure the generator.
 */
async function segments(totalMiB, chunkMiB) {
  const count = Math.ceil(totalMiB / chunkMiB);
  const video = await mp4({ seconds: 1 });
  const head = Buffer.concat([video, freeBoxHeader(totalMiB * MiB - video.length)]);
  const random = (seed) => {
    const bytes = Buffer.alloc(chunkMiB * MiB);
    let x = 0x9e3779b9 ^ seed;
    for (let i = 0; i < bytes.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes.writeInt32LE(x | 0, i);
    }
    return bytes;
  };
  const first = random(0);
  head.copy(first, 0);
  const rest = random(1);
  return { count, segment: (i) => (i === 0 ? first : rest) };
}

export async function rawUpload(url, totalMiB, chunkMiB, pid) {
  const { count, segment } = await segments(totalMiB, chunkMiB);
  const rss = watchRss(pid);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await fetch(url, { method: 'POST', body: segment(i) });
    if (response.status !== 200) throw new Error(`bare append ${i} failed: ${response.status}`);
    await response.arrayBuffer();
  }
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSec: totalMiB / seconds, peakRssMiB: rss.stop() };
}

export async function chunkedUpload(baseUrl, token, totalMiB, chunkMiB, pid) {
  const { count, segment } = await segments(totalMiB, chunkMiB);
  const auth = { authorization: `Bearer ${token}` };
  const rss = watchRss(pid);
  const started = performance.now();
  const init = await fetch(`${baseUrl}/2/media/upload/initialize`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ media_type: 'video/mp4', total_bytes: totalMiB * MiB, media_category: 'tweet_video' }),
  });
  const initJson = await init.json();
  const id = initJson.data?.id;
  if (!id) throw new Error(`initialize failed: ${JSON.stringify(initJson)}`);
  for (let i = 0; i < count; i++) {
    const form = new FormData();
    form.append('segment_index', String(i));
    form.append('media', new Blob([segment(i)]));
    const response = await fetch(`${baseUrl}/2/media/upload/${id}/append`, { method: 'POST', headers: auth, body: form });
    if (response.status !== 200) throw new Error(`append ${i} failed: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
  const finalize = await fetch(`${baseUrl}/2/media/upload/${id}/finalize`, { method: 'POST', headers: auth });
  const finalizeJson = await finalize.json();
  if (finalize.status !== 200) throw new Error(`finalize failed: ${JSON.stringify(finalizeJson)}`);
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSec: totalMiB / seconds, peakRssMiB: rss.stop(), finalize: finalizeJson };
}
