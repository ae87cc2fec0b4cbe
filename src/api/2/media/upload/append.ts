import type { UserPrincipal } from '../../../../auth/principal.js';
import { jsonBody } from '../../../../http/body-parsers.js';
import { defineEndpoint } from '../../../../http/endpoint.js';
import { appendFromJson, formatAppendResponse } from '../../../../wire/upload.js';
import { APPEND_JSON_BODY_LIMIT, appendBytes, appendFromForm, namingMediaId, readAppendForm } from '../../../shared/upload-commands.js';
import { pathMediaId } from '../../../shared/path.js';

/**
 * POST /2/media/upload/{id}/append: one segment, as multipart raw bytes (twitter-api-v2; streamed to disk as it
 * arrives) or JSON base64 (the xdk), with `segment_index` 0–999.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/2/media/upload/:id/append',
  uses: { multipart: true },
  auth: { context: 'user', scope: 'media.write' },
  rateLimit: 'upload_append',
  bodyLimit: APPEND_JSON_BODY_LIMIT,
  handler: async ({ ctx, request, principal }) => {
    const caller = principal as UserPrincipal;
    const id = pathMediaId(request);
    const expiresAtMs = await namingMediaId('id', async () => {
      if (request.isMultipart()) {
        const form = await readAppendForm(ctx, request, caller, id);
        return appendFromForm(ctx, caller, id, form.fields, form.media);
      }
      const { bytes, segmentIndex } = appendFromJson(jsonBody(request));
      return appendBytes(ctx, caller, id, bytes, segmentIndex);
    });
    return { body: formatAppendResponse(expiresAtMs) };
  },
});
