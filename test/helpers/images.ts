import { deflateSync } from 'node:zlib';

/** Real image files, built in memory, so tests never depend on fixtures on disk. */

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A valid RGB PNG of width×height. With `totalBytes`, an ancillary chunk pads the file to exactly that size
 * (decoders skip unknown ancillary chunks), which puts uploads precisely on either side of a size limit.
 */
export function png(width = 4, height = 3, totalBytes?: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc((width * 3 + 1) * height);
  const parts = [
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
  ];
  const end = chunk('IEND', Buffer.alloc(0));
  const size = parts.reduce((n, p) => n + p.length, 0) + end.length;
  if (totalBytes !== undefined) {
    const padding = totalBytes - size - 12;
    if (padding < 0) throw new Error(`cannot pad a ${size}-byte PNG to ${totalBytes}`);
    parts.push(chunk('teXx', Buffer.alloc(padding)));
  }
  return Buffer.concat([...parts, end]);
}

/**
 * A 2×2 animated-capable GIF89a (one frame). With `totalBytes`, a comment extension before the trailer pads
 * the file to exactly that size.
 */
export function gif(totalBytes?: number): Buffer {
  const base = Buffer.from('R0lGODlhAgACAIAAAP///wAAACH5BAAAAAAALAAAAAACAAIAAAIChFEAOw==', 'base64');
  if (totalBytes === undefined) return base;
  // Comment extension: 0x21 0xFE, sub-blocks of (length byte + up to 255 bytes), a 0x00 terminator.
  let remaining = totalBytes - base.length - 3;
  if (remaining < 2) throw new Error(`cannot pad a ${base.length}-byte GIF to ${totalBytes}`);
  const blocks: Buffer[] = [];
  while (remaining > 0) {
    // Never leave a single byte: a sub-block of length 0 would end the comment.
    const size = remaining === 257 ? 128 : Math.min(256, remaining);
    blocks.push(Buffer.concat([Buffer.from([size - 1]), Buffer.alloc(size - 1, 0x61)]));
    remaining -= size;
  }
  const trailer = base.length - 1;
  return Buffer.concat([base.subarray(0, trailer), Buffer.from([0x21, 0xfe]), ...blocks, Buffer.from([0x00]), base.subarray(trailer)]);
}

/** A 1×1 baseline JPEG, ending with its EOI marker (xmedia refuses truncated files). */
export function jpeg(): Buffer {
  return Buffer.concat([
    Buffer.from(
      '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
      'base64',
    ),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** Uploads `bytes` one-shot as multipart, like twitter-api-v2 (a `media` part without a filename). */
export async function uploadImage(
  baseUrl: string,
  token: string,
  bytes: Buffer = png(),
  fields: Record<string, string> = { media_category: 'tweet_image' },
): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('media', new Blob([new Uint8Array(bytes)]));
  const response = await fetch(`${baseUrl}/2/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, json: await response.json() };
}
