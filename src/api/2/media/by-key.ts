import type { UserPrincipal } from '../../../auth/principal.js';
import { MEDIA_KEY_PREFIX, parseMediaKey } from '../../../domain/media.js';
import type { AppContext } from '../../../context.js';
import { definePlainEndpoint, type EndpointResult } from '../../../http/endpoint.js';
import type { MediaRecord } from '../../../storage/records.js';
import { formatMedia, MEDIA_FIELDS, MEDIA_KEY_REGEX, mediaNotFoundError } from '../../../wire/media.js';
import { serializeMediaByKey } from '../../../wire/serializers.js';
import { checkQueryNames, parseFieldList, patternMismatch, type Query } from '../../../wire/query.js';

/** GET /2/media/{media_key}: one media item the caller may see, with the `media.fields` asked for. */
export default definePlainEndpoint({
  method: 'GET',
  url: '/2/media/:media_key',
  // Keys are digits and an underscore; the static routes beside this one (`upload`) are not.
  fastPath: /^\/2\/media\/(?<media_key>[0-9_]{1,64})$/,
  auth: { context: 'user', scope: 'tweet.read' },
  rateLimit: 'media_lookup',
  // Synchronous when the store can answer at once (the embedded store): no promise per request.
  handler: ({ ctx, request, principal }) => {
    const query = request.query as Query;
    checkQueryNames(query, ['media.fields']);
    const fields = parseFieldList(query, 'media.fields', MEDIA_FIELDS);
    const key = (request.params as { media_key: string }).media_key;
    const parsed = parseMediaKey(key);
    if (!parsed) throw patternMismatch('media_key', key, MEDIA_KEY_REGEX);
    const caller = principal as UserPrincipal;
    const media = ctx.media.lookupOneNow(caller, parsed.id);
    if (media === undefined) return ctx.media.lookup(caller, [parsed.id]).then(([found]) => answer(ctx, key, parsed.prefix, found, fields));
    return answer(ctx, key, parsed.prefix, media ?? undefined, fields);
  },
});

function answer(ctx: AppContext, key: string, prefix: string, media: MediaRecord | undefined, fields: ReadonlySet<string> | undefined): EndpointResult {
  if (!media || MEDIA_KEY_PREFIX[media.kind] !== prefix) {
    return { body: { errors: [mediaNotFoundError(ctx.problems, key, 'media_key')] }, serialize: serializeMediaByKey };
  }
  return { body: { data: formatMedia(media, fields) }, serialize: serializeMediaByKey };
}
