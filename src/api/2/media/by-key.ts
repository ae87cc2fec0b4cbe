import type { UserPrincipal } from '../../../auth/principal.js';
import { MEDIA_KEY_PREFIX, parseMediaKey } from '../../../domain/media.js';
import { defineEndpoint } from '../../../http/endpoint.js';
import { formatMedia, MEDIA_FIELDS, MEDIA_KEY_REGEX, mediaNotFoundError } from '../../../wire/media.js';
import { serializeMediaByKey } from '../../../wire/serializers.js';
import { checkQueryNames, parseFieldList, patternMismatch, type Query } from '../../../wire/query.js';

/** GET /2/media/{media_key}: one media item the caller may see, with the `media.fields` asked for. */
export default defineEndpoint({
  method: 'GET',
  url: '/2/media/:media_key',
  auth: { context: 'user', scope: 'tweet.read' },
  rateLimit: 'media_lookup',
  handler: async ({ ctx, request, principal }) => {
    const query = request.query as Query;
    checkQueryNames(query, ['media.fields']);
    const fields = parseFieldList(query, 'media.fields', MEDIA_FIELDS);
    const key = (request.params as { media_key: string }).media_key;
    const parsed = parseMediaKey(key);
    if (!parsed) throw patternMismatch('media_key', key, MEDIA_KEY_REGEX);
    const [media] = await ctx.media.lookup(principal as UserPrincipal, [parsed.id]);
    if (!media || MEDIA_KEY_PREFIX[media.kind] !== parsed.prefix) {
      return { body: { errors: [mediaNotFoundError(ctx.problems, key, 'media_key')] }, serialize: serializeMediaByKey };
    }
    return { body: { data: formatMedia(media, fields) }, serialize: serializeMediaByKey };
  },
});
