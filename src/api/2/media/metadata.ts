import { definePlainEndpoint } from '../../../http/endpoint.js';
import { wrappedMetadataShape } from '../../../wire/metadata-wrapped.js';
import { METADATA_BODY_LIMIT, upsertMetadata } from '../../shared/metadata-upsert.js';

/** POST /2/media/metadata: X's current endpoint, `{id, metadata}` with all 13 metadata keys. */
export default definePlainEndpoint({
  method: 'POST',
  url: '/2/media/metadata',
  fastPath: /^\/2\/media\/metadata$/,
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'metadata',
  bodyLimit: METADATA_BODY_LIMIT,
  handler: (call) => upsertMetadata(call, wrappedMetadataShape),
});
