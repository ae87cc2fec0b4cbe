import type { UserPrincipal } from '../../../auth/principal.js';
import { MEDIA_KEY_PREFIX, parseMediaKey } from '../../../domain/media.js';
import { definePlainEndpoint } from '../../../http/endpoint.js';
import { formatMedia, MEDIA_FIELDS, MEDIA_KEY_REGEX, mediaNotFoundError } from '../../../wire/media.js';
import { serializeMediaLookup } from '../../../wire/serializers.js';
import { checkQueryNames, parseFieldList, patternMismatch, requiredList, type Query } from '../../../wire/query.js';

/** GET /2/media?media_keys=k1,k2: up to 100 media items; keys the caller cannot see come back as errors. */
export default definePlainEndpoint({
  method: 'GET',
  url: '/2/media',
  fastPath: /^\/2\/media$/,
  auth: { context: 'user', scope: 'tweet.read' },
  rateLimit: 'media_lookup',
  handler: async ({ ctx, request, principal }) => {
    const query = request.query as Query;
    checkQueryNames(query, ['media_keys', 'media.fields']);
    const keys = requiredList(query, 'media_keys', 100);
    const fields = parseFieldList(query, 'media.fields', MEDIA_FIELDS);
    const parsed = keys.map((key) => {
      const result = parseMediaKey(key);
      if (!result) throw patternMismatch('media_keys', key, MEDIA_KEY_REGEX);
      return { key, ...result };
    });
    const found = new Map((await ctx.media.lookup(principal as UserPrincipal, parsed.map((k) => k.id))).map((m) => [m.id, m]));
    const data: Record<string, unknown>[] = [];
    const errors: Record<string, string>[] = [];
    for (const { key, prefix, id } of parsed) {
      const media = found.get(id);
      if (media && MEDIA_KEY_PREFIX[media.kind] === prefix) data.push(formatMedia(media, fields));
      else errors.push(mediaNotFoundError(ctx.problems, key, 'media_keys'));
    }
    return { body: { ...(data.length > 0 && { data }), ...(errors.length > 0 && { errors }) }, serialize: serializeMediaLookup };
  },
});
