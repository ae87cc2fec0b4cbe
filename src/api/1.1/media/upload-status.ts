import type { UserPrincipal } from '../../../auth/principal.js';
import { defineEndpoint } from '../../../http/endpoint.js';
import { formatV1Error } from '../../shared/v1-errors.js';
import { InvalidRequestError, JSON_CONTENT_TYPE } from '../../../wire/problems.js';
import type { Query } from '../../../wire/query.js';
import { formatV1Media } from '../../../wire/v1.js';
import { queryMediaId } from '../../shared/path.js';
import { statusNotFound } from '../../shared/upload-commands.js';

/** GET /1.1/media/upload.json?command=STATUS&media_id=: v1.1's STATUS, in v1.1's shape. */
export default defineEndpoint({
  method: 'GET',
  url: '/1.1/media/upload.json',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload_status',
  formatError: formatV1Error,
  handler: async ({ ctx, request, reply, principal }) => {
    const query = request.query as Query;
    if (query.command !== 'STATUS') throw InvalidRequestError.of('command', [String(query.command ?? '')], 'command must be STATUS.');
    const id = queryMediaId(query, 'media_id');
    const media = await ctx.uploads.status(principal as UserPrincipal, id);
    if (!media) throw statusNotFound('media_id', id);
    await reply.code(200).type(JSON_CONTENT_TYPE).send(formatV1Media(media, ctx.now()));
  },
});
