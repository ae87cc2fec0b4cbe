import { authenticateAppCredentials } from '../../auth/oauth2/client-auth.js';
import { sha256Hex } from '../../auth/secrets.js';
import { defineEndpoint } from '../../http/endpoint.js';
import { LEGACY_OAUTH_ERRORS, legacyErrorResult, NO_STORE, oauthParameters } from '../../wire/oauth2.js';
import { queryOf, throttledTokenEndpoint } from '../shared/oauth.js';

/**
 * POST /oauth2/invalidate_token: revokes an app-only bearer token of the authenticating app (HTTP Basic as
 * for /oauth2/token). `access_token` may be in the body or, as X's documentation shows it, in the query.
 * Answers `{"access_token":"<the token>"}`.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/oauth2/invalidate_token',
  auth: { context: 'none' },
  bodyLimit: 16 * 1024,
  handler: throttledTokenEndpoint(async ({ ctx, request }) => {
    const app = await authenticateAppCredentials(ctx.store, ctx.credentials, request.headers.authorization);
    if (!app) return LEGACY_OAUTH_ERRORS.badCredentials;
    const token = oauthParameters(request).access_token ?? queryOf(request).get('access_token') ?? '';
    const hash = sha256Hex(token);
    const record = await ctx.store.findToken(hash);
    if (!record || record.kind !== 'app' || record.appId !== app.id || record.revokedAtMs !== null) {
      return LEGACY_OAUTH_ERRORS.cannotInvalidate;
    }
    await ctx.store.revokeToken(hash, ctx.now());
    return { headers: NO_STORE, body: { access_token: token } };
  }),
  formatError: legacyErrorResult,
});
