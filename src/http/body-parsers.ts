import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { BODY_MESSAGES, InvalidRequestError } from '../wire/problems.js';

/**
 * How request bodies are read. JSON is parsed from raw bytes so that invalid UTF-8 is refused rather than
 * silently replaced, and `__proto__`/`constructor.prototype` keys are dropped (unknown keys are ignored
 * anyway, and this way they can never reach an object's prototype). Every other content type is kept as
 * raw bytes: the endpoint decides whether it can read them, and answers X's content-type error if not.
 */
export function registerBodyParsers(app: FastifyInstance, maxValues: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/(.+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, parseJsonBody(body as Buffer, maxValues));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/**
 * A parsed JSON body: lets endpoints tell "JSON that is null" from "no JSON at all". A class rather than a
 * literal with a symbol key: V8 keeps the maps between a computed key and the next one only weakly, and an idle
 * collection that kills them turns the literal's caches megamorphic for the life of the process (see
 * tick-object-maps.ts); a class's map is held by its constructor.
 */
export class JsonBody {
  constructor(
    readonly value: unknown,
    /** An empty body labelled JSON: an error only where a body is read (the xdk's finalize sends one). */
    readonly empty = false,
  ) {}
}

const EMPTY_JSON_BODY = Object.freeze(new JsonBody(undefined, true));

export function parseJsonBody(raw: Buffer, maxValues: number): JsonBody {
  return raw.length === 0 ? EMPTY_JSON_BODY : new JsonBody(parseJsonBytes(raw, maxValues));
}

/**
 * Strict JSON from bytes (also for routes that take JSON under another content type, like v1.1's text/plain),
 * holding at most `maxValues` values (XMEDIA_JSON_MAX_VALUES).
 */
export function parseJsonBytes(raw: Buffer, maxValues: number): unknown {
  if (raw.length === 0 || !isUtf8(raw)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  if (holdsMoreValues(raw, maxValues)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.tooManyJsonValues(maxValues));
  const text = raw.toString('utf8');
  try {
    // secure-json-parse scans the text with regular expressions for every spelling of the dangerous keys; a
    // text without `proto`, `constructor` or any \u escape cannot contain one, and plain JSON.parse is faster.
    // Three substring searches cost half what one regular expression with three alternatives does.
    if (!mayHidePrototypeKeys(text)) return JSON.parse(text) as unknown;
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as unknown;
  } catch {
    throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  }
}

function mayHidePrototypeKeys(text: string): boolean {
  return text.includes('proto') || text.includes('constructor') || text.includes('\\u');
}

/**
 * Whether a JSON text holds more than `max` values, counted as one plus every `[`, `{` and `,` outside strings
 * (an upper bound for valid JSON; anything else is refused by the parser anyway). Strings are skipped with a
 * native search for their closing quote, so a body that is one long base64 string costs a few calls; a body
 * made of structure stops being read as soon as it is over.
 */
export function holdsMoreValues(raw: Buffer, max: number): boolean {
  // The count is at most one more than the number of bytes: a body this short cannot be over (every request
  // the hot routes see, with the default limit), and is not scanned.
  if (raw.length < max) return false;
  let count = 1;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i];
    if (byte === 0x22) {
      i = closingQuote(raw, i);
      if (i === -1) return false; // unterminated: not JSON at all
    } else if (byte === 0x2c || byte === 0x5b || byte === 0x7b) {
      if (++count > max) return true;
    }
  }
  return false;
}

/** Position of the quote that closes the string opening at `open`, or -1. */
function closingQuote(raw: Buffer, open: number): number {
  for (let at = raw.indexOf(0x22, open + 1); at !== -1; at = raw.indexOf(0x22, at + 1)) {
    let backslashes = 0;
    while (raw[at - 1 - backslashes] === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return -1;
}

/**
 * Most fields of a form, multipart or URL-encoded. The largest real form (v1.1's INIT) has about ten; a 21 MB
 * upload body of `a&a&a&...` would otherwise parse into ten million pairs, some 400 MB.
 */
export const FORM_MAX_FIELDS = 50;

/** The parameters of a URL-encoded body, refused (400) past FORM_MAX_FIELDS before it is parsed. */
export function parseFormBytes(raw: Buffer): URLSearchParams {
  let separators = 0;
  for (let at = raw.indexOf(0x26); at !== -1; at = raw.indexOf(0x26, at + 1)) {
    if (++separators >= FORM_MAX_FIELDS) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.tooManyFormFields(FORM_MAX_FIELDS));
  }
  return new URLSearchParams(raw.toString('utf8'));
}

export function isJsonBody(body: unknown): body is JsonBody {
  return body instanceof JsonBody;
}

/** The JSON body of the request, or X's content-type error when the request did not send JSON. */
export function jsonBody(request: { readonly body: unknown }): unknown {
  const body = request.body;
  if (!isJsonBody(body)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.NOT_JSON_CONTENT_TYPE);
  if (body.empty) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  return body.value;
}
