import { authenticateClient } from '../../../auth/oauth2/client-auth.js';
import { OAUTH_ERRORS } from '../../../auth/oauth2/errors.js';
import { defineEndpoint } from '../../../http/endpoint.js';
import { oauthErrorResult, oauthParameters, tokenResponse } from '../../../wire/oauth2.js';
import { throttledTokenEndpoint } from '../../shared/oauth.js';

/**
 * POST /2/oauth2/token: exchanges an authorization code (with its PKCE verifier) or a refresh token for an
 * access token. Confidential clients authenticate with HTTP Basic (or client_secret in the body), public
 * clients name themselves with client_id. Body: form-encoded or JSON. Errors: RFC 6749 §5.2, X's wording.
 */
export default defineEndpoint({
  method: 'POST',
  url: '/2/oauth2/token',
  auth: { context: 'none' },
  bodyLimit: 16 * 1024,
  handler: throttledTokenEndpoint(async ({ ctx, request }) => {
    const params = oauthParameters(request);
    const grantType = params.grant_type;
    if (grantType === undefined || grantType === '') throw OAUTH_ERRORS.missing('grant_type');
    const client = await authenticateClient(ctx.store, request.headers.authorization, params);
    const { grants } = ctx.oauth2;
    if (grantType === 'authorization_code') return tokenResponse(await grants.exchangeCode(client, params));
    if (grantType === 'refresh_token') return tokenResponse(await grants.refresh(client, params));
    throw OAUTH_ERRORS.unsupportedGrantType();
  }),
  formatError: oauthErrorResult,
});
