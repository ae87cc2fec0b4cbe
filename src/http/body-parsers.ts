import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { BODY_MESSAGES, InvalidRequestError } from '../wire/problems.js';

/**
 * How request bodies are read. JSON is parsed from raw bytes so that invalid UTF-8 is refused rather than
 * silently replaced, and `__proto__`/`constructor.prototype` keys are dropped (unknown keys are ignored
 * anyway, and this way they can never reach an object's prototype). Every other content type is kept as
 * raw bytes: the endpoint decides whether it can read them, and answers X's content-type error if not.
 */
export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(/^application\/(.+\+)?json(\s*;.*)?$/i, { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, parseJsonBody(body as Buffer));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
}

/** The parsed JSON body marker: lets endpoints tell "JSON that is null" from "no JSON at all". */
export const JSON_BODY = Symbol('xmedia.jsonBody');

export interface JsonBody {
  readonly [JSON_BODY]: true;
  readonly value: unknown;
  /** An empty body labelled JSON: an error only where a body is read (the xdk's finalize sends one). */
  readonly empty?: true;
}

const EMPTY_JSON_BODY: JsonBody = Object.freeze({ [JSON_BODY]: true as const, value: undefined, empty: true as const });

function parseJsonBody(raw: Buffer): JsonBody {
  return raw.length === 0 ? EMPTY_JSON_BODY : { [JSON_BODY]: true, value: parseJsonBytes(raw) };
}

const MAY_HIDE_PROTOTYPE_KEYS = /proto|constructor|\\u/;

/** Strict JSON from bytes (also for routes that take JSON under another content type, like v1.1's text/plain). */
export function parseJsonBytes(raw: Buffer): unknown {
  if (raw.length === 0 || !isUtf8(raw)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  const text = raw.toString('utf8');
  try {
    // secure-json-parse scans the text with regular expressions for every spelling of the dangerous keys; a
    // text without `proto`, `constructor` or any \u escape cannot contain one, and plain JSON.parse is faster.
    if (!MAY_HIDE_PROTOTYPE_KEYS.test(text)) return JSON.parse(text) as unknown;
    return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as unknown;
  } catch {
    throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  }
}

export function isJsonBody(body: unknown): body is JsonBody {
  return body !== undefined && body !== null && typeof body === 'object' && (body as Partial<JsonBody>)[JSON_BODY] === true;
}

/** The JSON body of the request, or X's content-type error when the request did not send JSON. */
export function jsonBody(request: FastifyRequest): unknown {
  const body = request.body;
  if (!isJsonBody(body)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.NOT_JSON_CONTENT_TYPE);
  if (body.empty) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  return body.value;
}
