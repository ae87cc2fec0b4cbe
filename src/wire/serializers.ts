import fastJson from 'fast-json-stringify';
import { STICKER_FIELDS } from './schemas.js';

/**
 * Compiled response serializers (fast-json-stringify) for the answers on the hot paths: the flat metadata
 * answer and the media lookups. Each writes exactly the bytes JSON.stringify writes for the objects the
 * formatters build (test/wire/serializers.test.ts holds them to it):
 * - keys come out in schema order, which is the order the formatters insert them in;
 * - a key whose value is undefined is left out, as JSON.stringify leaves it out (no key here is `required`);
 * - strings are escaped as JSON.stringify escapes them (fast-json-stringify falls back to it for anything
 *   but plain characters: quotes, backslashes, control characters, lone surrogates);
 * - numbers are written as `'' + n`, JSON.stringify's spelling; booleans as `true`/`false`.
 * A key the formatters add must be added here too, or it would silently disappear from the answer.
 */
export type Serializer = (value: unknown) => string;

/** Compiled on first use, like the request validators: compiling costs start-up time. */
function lazy(schema: Record<string, unknown>): Serializer {
  let compiled: ((value: unknown) => string) | undefined;
  return (value) => (compiled ??= fastJson(schema as fastJson.AnySchema) as (value: unknown) => string)(value);
}

const string = { type: 'string' } as const;
const number = { type: 'number' } as const;

const STICKER = {
  type: 'object',
  properties: Object.fromEntries(STICKER_FIELDS.map((field) => [field, field === 'id' ? string : number])),
};

/** `{data: {associated_metadata: {...}, id}}`, as flatMetadataShape.format builds it. */
export const serializeFlatMetadata = lazy({
  type: 'object',
  properties: {
    data: {
      type: 'object',
      properties: {
        associated_metadata: {
          type: 'object',
          properties: {
            allow_download_status: { type: 'object', properties: { allow_download: { type: 'boolean' } } },
            alt_text: { type: 'object', properties: { text: string } },
            found_media_origin: { type: 'object', properties: { id: string, provider: string } },
            sticker_info: { type: 'object', properties: { stickers: { type: 'array', items: STICKER } } },
            upload_source: { type: 'object', properties: { text: string } },
          },
        },
        id: string,
      },
    },
  },
});

/** The Media object, as formatMedia builds it. */
const MEDIA = {
  type: 'object',
  properties: { media_key: string, type: string, width: number, height: number, duration_ms: number, alt_text: string },
};

/** A not-found partial error, as mediaNotFoundError builds it. */
const NOT_FOUND_ERRORS = {
  type: 'array',
  items: {
    type: 'object',
    properties: { value: string, detail: string, title: string, resource_type: string, parameter: string, resource_id: string, type: string },
  },
};

/** GET /2/media/{media_key}: `{data: Media}` or `{errors: [...]}`. */
export const serializeMediaByKey = lazy({ type: 'object', properties: { data: MEDIA, errors: NOT_FOUND_ERRORS } });

/** GET /2/media?media_keys=: `{data?: [Media], errors?: [...]}`. */
export const serializeMediaLookup = lazy({ type: 'object', properties: { data: { type: 'array', items: MEDIA }, errors: NOT_FOUND_ERRORS } });
