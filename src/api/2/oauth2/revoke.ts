import { authenticateClient } from '../../../auth/oauth2/client-auth.js';
import { defineEndpoint } from '../../../http/endpoint.js';
import { NO_STORE, oauthErrorResult, oauthParameters } from '../../../wire/oauth2.js';
import { throttledTokenEndpoint } from '../../shared/oauth.js';

/**
 * POST /2/oauth2/revoke (RFC 7009): `token` (an access or refresh token; `token_type_hint` optional) stops
 * working at once. Answers `{"revoked":true}` as X does, also for tokens it does not know (RFC 7009 §2.2).
 */
export default defineEndpoint({
  method: 'POST',
  url: '/2/oauth2/revoke',
  auth: { context: 'none' },
  bodyLimit: 16 * 1024,
  handler: throttledTokenEndpoint(async ({ ctx, request }) => {
    const params = oauthParameters(request);
    const client = await authenticateClient(ctx.store, request.headers.authorization, params);
    await ctx.oauth2.grants.revoke(client, params);
    return { headers: NO_STORE, body: { revoked: true } };
  }),
  formatError: oauthErrorResult,
});
