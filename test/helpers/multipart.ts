import { randomBytes } from 'node:crypto';

/** One part of a hand-built multipart/form-data body. */
export interface FormPart {
  name: string;
  value: string | Buffer;
  /** Omitted unless given: twitter-api-v2 sends `media` as raw bytes without a filename. */
  filename?: string;
  contentType?: string;
}

/**
 * A multipart/form-data body built byte by byte. FormData cannot send a file part without a filename (a Blob
 * becomes filename="blob"), which is exactly what twitter-api-v2 does, so tests build the body themselves.
 */
export function multipart(parts: readonly FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----xmedia-test-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
