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
}

function parseJsonBody(raw: Buffer): JsonBody {
  if (raw.length === 0 || !isUtf8(raw)) throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  try {
    const value: unknown = secureJson.parse(raw.toString('utf8'), undefined, {
      protoAction: 'remove',
      constructorAction: 'remove',
    });
    return { [JSON_BODY]: true, value };
  } catch {
    throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.INVALID_JSON);
  }
}

/** The JSON body of the request, or X's content-type error when the request did not send JSON. */
export function jsonBody(request: FastifyRequest): unknown {
  const body = request.body as Partial<JsonBody> | undefined;
  if (body !== undefined && body !== null && typeof body === 'object' && body[JSON_BODY] === true) return body.value;
  throw InvalidRequestError.of(undefined, [], BODY_MESSAGES.NOT_JSON_CONTENT_TYPE);
}
