import type { UserPrincipal } from '../../../auth/principal.js';
import { defineEndpoint } from '../../../http/endpoint.js';
import { formatV1Error } from '../../shared/v1-errors.js';
import { JSON_CONTENT_TYPE } from '../../../wire/problems.js';
import { formatV1Init, formatV1Media } from '../../../wire/v1.js';
import { ONE_SHOT_BODY_LIMIT } from '../../shared/upload-commands.js';
import { runUploadCommand } from '../../shared/upload-dispatch.js';

/**
 * POST /1.1/media/upload.json: v1.1's INIT/APPEND/FINALIZE (multipart or URL-encoded, `media` or base64
 * `media_data`), or without a command the simple image upload. The same steps as the v2 routes, in v1.1's
 * shapes: APPEND answers 204 with no body.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/1.1/media/upload.json',
  uses: { multipart: true },
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload',
  bodyLimit: ONE_SHOT_BODY_LIMIT,
  formatError: formatV1Error,
  handler: async ({ ctx, request, reply, principal }) => {
    const result = await runUploadCommand(ctx, request, principal as UserPrincipal, { mediaCategory: 'tweet_image' });
    if (result.command === 'APPEND') {
      await reply.code(204).send();
      return;
    }
    const body = result.command === 'INIT' ? formatV1Init(result.media, ctx.now()) : formatV1Media(result.media, ctx.now());
    await reply.code(200).type(JSON_CONTENT_TYPE).send(body);
  },
});
