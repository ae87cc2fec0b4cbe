import type { UserPrincipal } from '../../../../auth/principal.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { formatAppendResponse, formatInitializeResponse, formatUploadResponse } from '../../../../wire/upload.js';
import { ONE_SHOT_BODY_LIMIT } from '../../../shared/upload-commands.js';
import { runUploadCommand } from '../../../shared/upload-dispatch.js';

/**
 * POST /2/media/upload: one-shot upload (multipart raw bytes or JSON base64), or with `command=INIT|APPEND|FINALIZE`
 * the legacy chunked dialect, running the same steps as the /2/media/upload/{initialize,append,finalize} routes.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/upload',
  uses: { multipart: true },
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload',
  bodyLimit: ONE_SHOT_BODY_LIMIT,
  handler: async ({ ctx, request, principal }) => {
    const result = await runUploadCommand(ctx, request, principal as UserPrincipal);
    const now = ctx.now();
    switch (result.command) {
      case 'INIT':
        return { body: formatInitializeResponse(result.media, now) };
      case 'APPEND':
        return { body: formatAppendResponse(result.expiresAtMs) };
      default:
        return { body: formatUploadResponse(result.media, now) };
    }
  },
});
