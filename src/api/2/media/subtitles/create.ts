import type { UserPrincipal } from '../../../../auth/principal.js';
import { jsonBody } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { formatSubtitles, parseCreateSubtitles } from '../../../../wire/subtitles.js';
import { namingMediaId } from '../../../shared/upload-commands.js';

/** POST /2/media/subtitles: attaches an uploaded SRT/VTT file (media_category=subtitles) to a video. */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/subtitles',
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'subtitles',
  handler: async ({ ctx, request, principal }) => {
    const { videoId, category, track } = parseCreateSubtitles(jsonBody(request));
    const tracks = await namingMediaId('id', () => ctx.media.attachSubtitles(principal as UserPrincipal, videoId, category, track));
    return { body: formatSubtitles(videoId, category, tracks) };
  },
});
