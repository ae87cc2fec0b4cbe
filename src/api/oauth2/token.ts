import { authenticateAppCredentials } from '../../auth/oauth2/client-auth.js';
import { defineEndpoint } from '../../http/endpoint.js';
import { LEGACY_OAUTH_ERRORS, legacyErrorResult, NO_STORE, oauthParameters } from '../../wire/oauth2.js';
import { throttledTokenEndpoint } from '../shared/oauth.js';

/**
 * POST /oauth2/token: an app-only bearer token for `grant_type=client_credentials`, the app authenticating
 * with HTTP Basic: its consumer key and secret (X's "API key and secret", what twitter-api-v2's appLogin
 * sends) or its OAuth 2.0 client id and secret. Each call issues a new token, valid until invalidated.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/oauth2/token',
  auth: { context: 'none' },
  bodyLimit: 16 * 1024,
  handler: throttledTokenEndpoint(async ({ ctx, request }) => {
    const params = oauthParameters(request);
    if (params.grant_type !== 'client_credentials') return LEGACY_OAUTH_ERRORS.missingGrantType;
    const app = await authenticateAppCredentials(ctx.store, ctx.credentials, request.headers.authorization);
    if (!app) return LEGACY_OAUTH_ERRORS.badCredentials;
    return { headers: NO_STORE, body: { token_type: 'bearer', access_token: await ctx.credentials.issueAppToken(app) } };
  }),
  formatError: legacyErrorResult,
});
