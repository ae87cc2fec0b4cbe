import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { parseFormBytes } from '../../http/body-parsers.js';
import { responseOf } from '../../http/connections.js';
import type { ReceivedSegment } from '../../domain/upload-service.js';
import { InvalidRequestError, PROBLEMS, ProblemError } from '../../wire/problems.js';
import { decodeBase64 } from '../../wire/upload.js';

/** The file of an upload form: streamed into a segment as it arrived, or held in memory (small, bounded). */
export type IncomingMedia =
  | { readonly kind: 'received'; readonly segment: ReceivedSegment }
  | { readonly kind: 'bytes'; readonly bytes: Buffer };

export interface UploadForm {
  /** Query parameters and form fields (the legacy and v1.1 dialects put commands in either). */
  readonly fields: Record<string, string>;
  readonly media?: IncomingMedia;
}

export interface FormOptions {
  /** Largest file accepted in memory or on disk. */
  readonly maxMediaBytes: number;
  /**
   * Given the fields read before the file part, a writer that streams the file into a segment; undefined to
   * hold the file in memory instead (a one-shot upload, or fields that come after the file).
   */
  readonly streamTo?: (fields: Readonly<Record<string, string>>) => ((source: AsyncIterable<Uint8Array>) => Promise<ReceivedSegment>) | undefined;
  /** Undoes a streamed segment when the rest of the form turns out to be unusable. */
  readonly discard?: (segment: ReceivedSegment) => Promise<void>;
}

const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;

/** Whether the request carries form fields (multipart or URL-encoded) rather than JSON. */
export function isForm(request: FastifyRequest): boolean {
  return request.isMultipart() || FORM_CONTENT_TYPE.test(request.headers['content-type'] ?? '');
}

/**
 * Reads query parameters and a multipart or URL-encoded body into text fields and one file: `media` (raw
 * bytes; twitter-api-v2 sends it without a filename) or `media_data` (base64, v1.1's alternative).
 */
export async function readUploadForm(request: FastifyRequest, options: FormOptions): Promise<UploadForm> {
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) setField(fields, name, value);
  let media: IncomingMedia | undefined;
  try {
    if (request.isMultipart()) {
      media = await readMultipart(request, fields, options);
    } else if (Buffer.isBuffer(request.body) && FORM_CONTENT_TYPE.test(request.headers['content-type'] ?? '')) {
      for (const [name, value] of parseFormBytes(request.body)) setField(fields, name, value);
    }
    if (fields.media_data !== undefined) {
      if (media) throw InvalidRequestError.of('media_data', [], '$.media_data: cannot be sent together with media');
      media = { kind: 'bytes', bytes: decodeBase64('media_data', fields.media_data) };
      delete fields.media_data;
    }
  } catch (error) {
    if (media?.kind === 'received') await options.discard?.(media.segment);
    throw error;
  }
  return { fields, ...(media && { media }) };
}

async function readMultipart(request: FastifyRequest, fields: Record<string, string>, options: FormOptions): Promise<IncomingMedia | undefined> {
  let media: IncomingMedia | undefined;
  limitMultipartBody(request);
  const parts = request.parts({
    // One byte over the limit is enough to know a file is too large; busboy discards the rest.
    limits: { fileSize: options.maxMediaBytes + 1, fieldSize: Math.ceil((options.maxMediaBytes * 4) / 3) + 4 },
    throwFileSizeLimit: false,
  } as Parameters<FastifyRequest['parts']>[0]);
  try {
    for await (const part of parts) {
      if (part.type === 'field') {
        if (part.valueTruncated) throw InvalidRequestError.of(part.fieldname, [], `$.${part.fieldname}: is too long`);
        setField(fields, part.fieldname, part.value);
        continue;
      }
      if (part.fieldname !== 'media' || media) {
        throw InvalidRequestError.of(part.fieldname, [], `$.${part.fieldname}: only one file, named media, may be sent`);
      }
      const write = options.streamTo?.(fields);
      media = write
        ? { kind: 'received', segment: await write(part.file) }
        : { kind: 'bytes', bytes: await readAtMost(part.file, options.maxMediaBytes) };
    }
  } catch (error) {
    if (media?.kind === 'received') await options.discard?.(media.segment);
    throw asClientError(error);
  }
  return media;
}

/**
 * Fastify's body limit applies to the bodies it reads itself, not to a multipart body, which the multipart
 * plugin streams from the request: busboy's limits bound what is kept of it, but it would read to the end
 * of a 1 GB body to find that out. So the route's limit is enforced here too: a declared Content-Length over
 * it is refused before a byte of the body is read, and a body without one (chunked) is cut off as soon as it
 * passes the limit (413; an answer sent before the body has been read in full closes the connection). Must run
 * in the same tick as the plugin starts reading (the counter's `data` listener sets the stream flowing).
 */
function limitMultipartBody(request: FastifyRequest): void {
  const limit = request.routeOptions.bodyLimit;
  if (Number(request.headers['content-length']) > limit) throw new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE);
  const raw = request.raw;
  let received = 0;
  const count = (chunk: Buffer): void => {
    received += chunk.length;
    if (received <= limit) return;
    raw.off('data', count);
    raw.unpipe();
    raw.pause();
    const response = responseOf(raw.socket);
    if (response && !response.headersSent && raw.listenerCount('error') > 0) {
      // The plugin ends the parts (and a file being written) with this error, which becomes the 413.
      raw.emit('error', new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE));
    } else {
      // Answered already: nothing more is read.
      raw.socket?.destroy();
    }
  };
  raw.on('data', count);
}

/**
 * The multipart plugin's own errors carry their status (413 for limits), ours are answers already, and a
 * system call failing while a segment is written (a full disk) is ours to log as a 500. The parser's errors
 * carry none of these, and a body it cannot parse is the client's mistake.
 */
function asClientError(error: unknown): unknown {
  const known = error as { statusCode?: number; syscall?: string };
  if (error instanceof InvalidRequestError || error instanceof ProblemError || error instanceof DomainError || known.statusCode !== undefined || known.syscall !== undefined) {
    return error;
  }
  return InvalidRequestError.of(undefined, [], `The multipart body is not valid: ${(error as Error).message}`);
}

async function readAtMost(source: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    // Beyond the largest file the endpoint takes at all: an oversized body, like the framework's 413.
    if (size > limit) throw new ProblemError(PROBLEMS.PAYLOAD_TOO_LARGE);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** X refuses a parameter given twice rather than picking one. */
function setField(fields: Record<string, string>, name: string, value: unknown): void {
  if (Array.isArray(value) || fields[name] !== undefined) {
    throw InvalidRequestError.of(name, [], `Duplicate parameters are not allowed: the \`${name}\` parameter`);
  }
  fields[name] = String(value);
}
