import type { UserPrincipal } from '../../../../auth/principal.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { formatUploadResponse } from '../../../../wire/upload.js';
import { namingMediaId } from '../../../shared/upload-commands.js';
import { pathMediaId } from '../../../shared/path.js';

/**
 * POST /2/media/upload/{id}/finalize: checks and completes a chunked upload. There is no body to read (the xdk
 * still labels its empty body JSON); videos and GIFs answer with `processing_info`.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/upload/:id/finalize',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload_finalize',
  handler: async ({ ctx, request, principal }) => {
    const id = pathMediaId(request);
    const media = await namingMediaId('id', () => ctx.uploads.finalize(principal as UserPrincipal, id));
    return { body: formatUploadResponse(media, ctx.now()) };
  },
});
