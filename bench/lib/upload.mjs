// Chunked uploads for the upload scenario: the same bytes, in the same appends, to xmedia and to the bare server.
import { watchRss } from './processes.mjs';

const MiB = 1024 * 1024;

/**
 * A large, valid MP4 of `totalMiB`: an `ftyp` box, then one `mdat` box whose payload fills the rest.
 * The payload is pseudo-random so nothing along the way can compress or deduplicate it.
 */
export function mp4Segment(index, chunkMiB, totalMiB) {
  const segment = Buffer.alloc(chunkMiB * MiB);
  let x = 0x9e3779b9 ^ index;
  for (let i = 0; i < segment.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    segment.writeInt32LE(x | 0, i);
  }
  if (index === 0) {
    const ftyp = Buffer.from('00000018667479706d703432000000006d70343269736f6d', 'hex');
    ftyp.copy(segment, 0);
    const mdatSize = totalMiB * MiB - ftyp.length;
    segment.writeUInt32BE(mdatSize, ftyp.length);
    segment.write('mdat', ftyp.length + 4, 'latin1');
  }
  return segment;
}

function segments(totalMiB, chunkMiB) {
  const count = Math.ceil(totalMiB / chunkMiB);
  // Two distinct payloads are enough to defeat any caching; building 64 × 4 MiB would measure the generator.
  const first = mp4Segment(0, chunkMiB, totalMiB);
  const rest = mp4Segment(1, chunkMiB, totalMiB);
  return { count, segment: (i) => (i === 0 ? first : rest) };
}

export async function rawUpload(url, totalMiB, chunkMiB, pid) {
  const { count, segment } = segments(totalMiB, chunkMiB);
  const rss = watchRss(pid);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const response = await fetch(url, { method: 'POST', body: segment(i) });
    await response.arrayBuffer();
  }
  const seconds = (performance.now() - started) / 1000;
  return { mibPerSec: totalMiB / seconds, peakRssMiB: rss.stop() };
}

export async function chunkedUpload(baseUrl, token, totalMiB, chunkMiB, pid) {
  const { count, segment } = segments(totalMiB, chunkMiB);
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
