import type { UserPrincipal } from '../../../../auth/principal.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { InvalidRequestError } from '../../../../wire/problems.js';
import { checkQueryNames, type Query } from '../../../../wire/query.js';
import { formatUploadResponse } from '../../../../wire/upload.js';
import { statusNotFound } from '../../../shared/upload-commands.js';
import { queryMediaId } from '../../../shared/path.js';

/** GET /2/media/upload?command=STATUS&media_id=: the finalize answer again, with processing as it is now. */
export default defineEndpoint({
  method: 'GET',
  url: '/2/media/upload',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload_status',
  handler: async ({ ctx, request, principal }) => {
    const query = request.query as Query;
    checkQueryNames(query, ['command', 'media_id']);
    if (query.command !== undefined && query.command !== 'STATUS') {
      throw InvalidRequestError.of('command', [query.command as string], `The \`command\` query parameter value [${String(query.command)}] is not one of [STATUS]`);
    }
    const id = queryMediaId(query, 'media_id');
    const media = await ctx.uploads.status(principal as UserPrincipal, id);
    if (!media) throw statusNotFound('media_id', id);
    return { body: formatUploadResponse(media, ctx.now()) };
  },
});
