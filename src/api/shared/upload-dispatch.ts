import type { FastifyRequest } from 'fastify';
import type { UserPrincipal } from '../../auth/principal.js';
import type { AppContext } from '../../context.js';
import { SIZE_LIMITS, MEDIA_ID_PATTERN, type MediaCategory } from '../../domain/media.js';
import type { OneShotUpload } from '../../domain/upload-service.js';
import { isJsonBody, jsonBody } from '../../http/body-parsers.js';
import type { MediaRecord } from '../../storage/records.js';
import { InvalidRequestError } from '../../wire/problems.js';
import { toBoolean } from '../../wire/schemas.js';
import {
  appendFromJson,
  decodeBase64,
  initializeFromFields,
  initializeFromJson,
  mediaIdField,
  validateOneShotFields,
  validateOneShotJson,
  formFields,
} from '../../wire/upload.js';
import { appendBytes, appendFromForm, namingMediaId } from './upload-commands.js';
import { isForm, readUploadForm } from './upload-form.js';

/** What one call of `POST /2/media/upload` or `POST /1.1/media/upload.json` did, for the route to format. */
export type UploadCommandResult =
  | { readonly command: 'ONE_SHOT' | 'INIT' | 'FINALIZE'; readonly media: MediaRecord }
  | { readonly command: 'APPEND'; readonly expiresAtMs: number };

const COMMANDS = ['INIT', 'APPEND', 'FINALIZE'] as const;

/**
 * The command dialect of the upload endpoint (SPEC.md §5 "legacy form", X's v1.1 media/upload): `command`
 * in the query string or the form (or JSON) body picks INIT, APPEND or FINALIZE, which run the same steps as
 * the v2 routes; no command is a one-shot upload. A multipart APPEND whose `command` and `media_id` come
 * before the file is streamed to disk as it arrives.
 */
export async function runUploadCommand(
  ctx: AppContext,
  request: FastifyRequest,
  caller: UserPrincipal,
  defaults: { readonly mediaCategory?: MediaCategory } = {},
): Promise<UploadCommandResult> {
  if (isForm(request)) {
    const form = await readUploadForm(request, {
      maxMediaBytes: SIZE_LIMITS.gif,
      streamTo: (fields) =>
        fields.command === 'APPEND' && MEDIA_ID_PATTERN.test(fields.media_id ?? '')
          ? (source) => ctx.uploads.receiveSegment(caller, fields.media_id!, source)
          : undefined,
      discard: (segment) => ctx.uploads.discardSegment(segment),
    });
    const { fields, media } = form;
    const command = commandOf(fields.command);
    if (command !== 'APPEND' && media?.kind === 'received') await ctx.uploads.discardSegment(media.segment);
    switch (command) {
      case undefined: {
        if (media?.kind !== 'bytes') throw InvalidRequestError.of('media', [], '$.media: is missing but it is required');
        const text = validateOneShotFields(formFields({ ...(defaults.mediaCategory && { media_category: defaults.mediaCategory }), ...fields }));
        return oneShot(ctx, caller, media.bytes, text);
      }
      case 'INIT':
        return { command, media: await ctx.uploads.initialize(caller, initializeFromFields(fields)) };
      case 'APPEND': {
        const mediaId = mediaIdField(fields);
        return { command, expiresAtMs: await namingMediaId('media_id', () => appendFromForm(ctx, caller, mediaId, fields, media)) };
      }
      case 'FINALIZE':
        return finalize(ctx, caller, mediaIdField(fields));
    }
  }

  // JSON, or no body at all (a command and its parameters in the query string).
  const query = request.query as Record<string, unknown>;
  const body = isJsonBody(request.body) ? (jsonBody(request) as Record<string, unknown>) : undefined;
  const params = body !== null && typeof body === 'object' && !Array.isArray(body) ? body : undefined;
  const command = commandOf(query.command ?? params?.command);
  switch (command) {
    case undefined: {
      const json = validateOneShotJson(params && defaults.mediaCategory ? { media_category: defaults.mediaCategory, ...params } : jsonBody(request));
      return oneShot(ctx, caller, decodeBase64('media', json.media), json);
    }
    case 'INIT':
      return { command, media: await ctx.uploads.initialize(caller, params ? initializeFromJson(params) : initializeFromFields(stringsOf(query))) };
    case 'APPEND': {
      const mediaId = mediaIdField({ ...query, ...params });
      const { bytes, segmentIndex } = appendFromJson(params ?? jsonBody(request));
      return { command, expiresAtMs: await namingMediaId('media_id', () => appendBytes(ctx, caller, mediaId, bytes, segmentIndex)) };
    }
    case 'FINALIZE':
      return finalize(ctx, caller, mediaIdField({ ...query, ...params }));
  }
}

async function oneShot(
  ctx: AppContext,
  caller: UserPrincipal,
  bytes: Buffer,
  fields: { media_category: MediaCategory; media_type?: string; additional_owners?: string[]; shared?: boolean | 'true' | 'false' },
): Promise<UploadCommandResult> {
  const upload: OneShotUpload = {
    bytes,
    category: fields.media_category,
    declaredType: fields.media_type,
    additionalOwners: fields.additional_owners ?? [],
    shared: fields.shared === undefined ? false : toBoolean(fields.shared),
  };
  return { command: 'ONE_SHOT', media: await ctx.uploads.uploadOneShot(caller, upload) };
}

async function finalize(ctx: AppContext, caller: UserPrincipal, mediaId: string): Promise<UploadCommandResult> {
  return { command: 'FINALIZE', media: await namingMediaId('media_id', () => ctx.uploads.finalize(caller, mediaId)) };
}

function commandOf(value: unknown): (typeof COMMANDS)[number] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (COMMANDS as readonly string[]).includes(value)) return value as (typeof COMMANDS)[number];
  throw InvalidRequestError.of('command', [String(value)], `$.command: does not have a value in the enumeration [${COMMANDS.join(', ')}]`);
}

function stringsOf(query: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, String(value)]));
}
