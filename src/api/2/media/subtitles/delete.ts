import type { UserPrincipal } from '../../../../auth/principal.js';
import { jsonBody } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { parseDeleteSubtitles } from '../../../../wire/subtitles.js';
import { namingMediaId } from '../../../shared/upload-commands.js';

/** DELETE /2/media/subtitles: detaches a video's subtitles of one language; `deleted` says whether there were any. */
export default defineEndpoint({
  method: 'DELETE',
  url: '/2/media/subtitles',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'subtitles',
  handler: async ({ ctx, request, principal }) => {
    const { videoId, category, languageCode } = parseDeleteSubtitles(jsonBody(request));
    const deleted = await namingMediaId('id', () => ctx.media.detachSubtitles(principal as UserPrincipal, videoId, category, languageCode));
    return { body: { data: { deleted } } };
  },
});
