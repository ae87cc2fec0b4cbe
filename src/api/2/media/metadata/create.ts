import { definePlainEndpoint } from '../../../../http/endpoint.js';
import { flatMetadataShape } from '../../../../wire/metadata-flat.js';
import { METADATA_BODY_LIMIT, upsertMetadata } from '../../../shared/metadata-upsert.js';

/** POST /2/media/metadata/create: the seed's endpoint, flat body (X's v2 document of February 2025). */
export default definePlainEndpoint({
  method: 'POST',
  url: '/2/media/metadata/create',
  fastPath: /^\/2\/media\/metadata\/create$/,
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'metadata',
  bodyLimit: METADATA_BODY_LIMIT,
  handler: (call) => upsertMetadata(call, flatMetadataShape),
});
