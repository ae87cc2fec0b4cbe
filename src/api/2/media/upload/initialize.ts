import type { UserPrincipal } from '../../../../auth/principal.js';
import { jsonBody } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { formatInitializeResponse, initializeFromJson } from '../../../../wire/upload.js';

/** POST /2/media/upload/initialize: opens a chunked upload, `{media_type, total_bytes, media_category, ...}`. */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/upload/initialize',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload_initialize',
  handler: async ({ ctx, request, principal }) => {
    const media = await ctx.uploads.initialize(principal as UserPrincipal, initializeFromJson(jsonBody(request)));
    return { body: formatInitializeResponse(media, ctx.now()) };
  },
});
