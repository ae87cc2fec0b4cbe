import type { FastifyRequest } from 'fastify';
import { MEDIA_ID_PATTERN } from '../../domain/media.js';
import { InvalidRequestError } from '../../wire/problems.js';
import { patternMismatch, type Query } from '../../wire/query.js';

const MEDIA_ID_REGEX = '^[0-9]{1,19}$';

/** The `{id}` of /2/media/upload/{id}/...: X reports path parameters with its query-parameter wording. */
export function pathMediaId(request: FastifyRequest): string {
  const id = (request.params as { id: string }).id;
  if (!MEDIA_ID_PATTERN.test(id)) throw patternMismatch('id', id, MEDIA_ID_REGEX);
  return id;
}

export function queryMediaId(query: Query, name: string): string {
  const value = query[name];
  if (value === undefined || value === '') throw InvalidRequestError.of(name, [], `The \`${name}\` query parameter can not be empty`);
  if (Array.isArray(value) || !MEDIA_ID_PATTERN.test(value)) throw patternMismatch(name, String(value), MEDIA_ID_REGEX);
  return value;
}
