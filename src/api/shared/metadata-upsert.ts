import type { UserPrincipal } from '../../auth/principal.js';
import { DomainError } from '../../domain/errors.js';
import type { EndpointResult, PlainCall } from '../../http/endpoint.js';
import { domainToInvalidRequest } from '../../http/errors.js';
import { jsonBody } from '../../http/body-parsers.js';
import type { MetadataWireShape } from '../../wire/metadata-common.js';

/** Metadata bodies are small; anything near this is not metadata. */
export const METADATA_BODY_LIMIT = 256 * 1024;

/**
 * The handler every metadata route shares: parse the body in the route's wire shape, upsert through the
 * domain, answer with the whole stored metadata in the same shape.
 */
export async function upsertMetadata(call: PlainCall, shape: MetadataWireShape): Promise<EndpointResult> {
  const { mediaId, patch } = shape.parse(jsonBody(call.request));
  const caller = call.principal as UserPrincipal;
  try {
    const metadata = await call.ctx.media.updateMetadata(caller, mediaId, patch);
    return { body: shape.format(mediaId, metadata), serialize: shape.serialize };
  } catch (error) {
    if (error instanceof DomainError) throw domainToInvalidRequest(error, shape.parameterName(error.field));
    throw error;
  }
}
