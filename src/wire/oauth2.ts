import type { FastifyRequest } from 'fastify';
import { isJsonBody } from '../http/body-parsers.js';
import { OAuthError, OAUTH_ERRORS } from '../auth/oauth2/errors.js';
import type { IssuedTokens } from '../auth/oauth2/grants.js';
import type { EndpointResult } from '../http/endpoint.js';
import { isFrameworkRefusal } from '../http/errors.js';
import { BODY_MESSAGES, InvalidRequestError } from './problems.js';

/** RFC 6749 §5.1: token responses must not be cached. */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * The parameters of an OAuth request body: `application/x-www-form-urlencoded` as RFC 6749 specifies (the
 * xdk, curl) or a JSON object of strings (twitter-api-v2). A parameter sent twice is an error (§3.2).
 */
export function oauthParameters(request: FastifyRequest): Record<string, string> {
  const params: Record<string, string> = Object.create(null) as Record<string, string>;
  const body = request.body;
  if (body === undefined || body === null) return params;
  if (Buffer.isBuffer(body)) {
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '')) {
      if (body.length === 0) return params;
      throw OAUTH_ERRORS.malformedBody();
    }
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
      if (name in params) throw OAUTH_ERRORS.repeated(name);
      params[name] = value;
    }
    return params;
  }
  if (!isJsonBody(body)) return params;
  const value = body.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw OAUTH_ERRORS.malformedBody();
  for (const [name, field] of Object.entries(value)) {
    if (typeof field === 'string') params[name] = field;
    else if (typeof field === 'number' || typeof field === 'boolean') params[name] = String(field);
    else if (field !== null && field !== undefined) throw OAUTH_ERRORS.malformedBody();
  }
  return params;
}

/** X's token response, in X's key order; `scope` is always there (twitter-api-v2 crashes without it). */
export function tokenResponse(tokens: IssuedTokens): EndpointResult {
  return {
    headers: NO_STORE,
    body: {
      token_type: 'bearer',
      expires_in: tokens.expiresInSecs,
      access_token: tokens.accessToken,
      scope: tokens.scopes.join(' '),
      ...(tokens.refreshToken !== undefined && { refresh_token: tokens.refreshToken }),
    },
  };
}

/** RFC 6749 §5.2 body for errors of the OAuth 2.0 endpoints, including a body that failed to parse. */
export function oauthErrorResult(error: unknown): EndpointResult | undefined {
  let oauth: OAuthError | undefined;
  if (error instanceof OAuthError) oauth = error;
  else if (error instanceof InvalidRequestError) {
    oauth = new OAuthError(400, 'invalid_request', error.errors[0]?.message ?? BODY_MESSAGES.INVALID_JSON);
  } else if (isFrameworkRefusal(error)) {
    // An empty or unparsable Content-Type (a 415 from Fastify), in the route's own error shape; a body over the
    // limit (413) and our own problems (the 429 of the failure throttle) keep their problem+json answers.
    oauth = new OAuthError(400, 'invalid_request', error.message);
  }
  if (!oauth) return undefined;
  return {
    status: oauth.status,
    headers: oauth.status === 401 ? { ...NO_STORE, 'www-authenticate': 'Basic realm="xmedia"' } : NO_STORE,
    body: { error: oauth.error, error_description: oauth.description },
  };
}

/**
 * X's answers from its app-only endpoints (`/oauth2/token`, `/oauth2/invalidate_token`), which predate v2
 * and answer errors in the v1.1 shape `{"errors":[{code, message, label?}]}`, with 403.
 */
export const LEGACY_OAUTH_ERRORS = {
  badCredentials: legacyError(403, 99, 'Unable to verify your credentials', 'authenticity_token_error'),
  missingGrantType: legacyError(403, 170, 'Missing required parameter: grant_type', 'forbidden_missing_parameter'),
  cannotInvalidate: legacyError(403, 348, 'Client application is not permitted to to invalidate this token.'),
} as const;

function legacyError(status: number, code: number, message: string, label?: string): EndpointResult {
  return { status, headers: NO_STORE, body: { errors: [{ code, message, ...(label !== undefined && { label }) }] } };
}

/** A body that failed to parse, on the legacy endpoints: treated as missing parameters. */
export function legacyErrorResult(error: unknown): EndpointResult | undefined {
  return error instanceof InvalidRequestError || error instanceof OAuthError || isFrameworkRefusal(error)
    ? LEGACY_OAUTH_ERRORS.missingGrantType
    : undefined;
}

