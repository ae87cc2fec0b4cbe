/**
 * An error of the OAuth 2.0 endpoints, answered as RFC 6749 §5.2 `{"error","error_description"}`. The codes
 * and descriptions are X's where X's answers are on record (public bug reports quote them): X says
 * `invalid_request` where RFC 6749 would say `invalid_grant`, and `unauthorized_client` with 401 for failed
 * client authentication. docs/DECISIONS.md lists them.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

export const OAUTH_ERRORS = {
  clientAuthentication: () => new OAuthError(401, 'unauthorized_client', 'Missing valid authorization header'),
  missing: (parameter: string) => new OAuthError(400, 'invalid_request', `Missing required parameter [${parameter}].`),
  repeated: (parameter: string) => new OAuthError(400, 'invalid_request', `Parameter [${parameter}] was repeated.`),
  malformedBody: () => new OAuthError(400, 'invalid_request', 'The request body could not be read as parameters.'),
  unsupportedGrantType: () => new OAuthError(400, 'unsupported_grant_type', 'Value passed for the grant type was invalid.'),
  invalidCode: () => new OAuthError(400, 'invalid_request', 'Value passed for the authorization code was invalid.'),
  invalidVerifier: () =>
    new OAuthError(400, 'invalid_request', 'Value passed for the code verifier did not match the code challenge.'),
  invalidRedirectUri: () =>
    new OAuthError(400, 'invalid_request', 'Value passed for the redirect uri did not match the uri of the authorization code.'),
  invalidToken: () => new OAuthError(400, 'invalid_request', 'Value passed for the token was invalid.'),
  invalidScope: () => new OAuthError(400, 'invalid_scope', 'Value passed for the scope was invalid.'),
  unsupportedTokenType: () => new OAuthError(400, 'unsupported_token_type', 'Value passed for the token type hint was invalid.'),
} as const;
