import type { AppRecord } from '../../storage/records.js';
import type { Store } from '../../storage/store.js';
import { KNOWN_SCOPES } from '../principal.js';
import { isValidChallenge, parseChallengeMethod, type ChallengeMethod } from './pkce.js';

/** A validated request to `/i/oauth2/authorize`: what the consent page shows and the code will carry. */
export interface AuthorizationRequest {
  readonly app: AppRecord;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly state: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: ChallengeMethod;
}

/**
 * What is wrong with a request that cannot go on. Without `redirectUri`, the client or its redirect URI is
 * unknown and the error must be shown to the user, never sent to an unverified URI (RFC 6749 §4.1.2.1);
 * with it, the error is sent back to the client there.
 */
export interface AuthorizationRequestError {
  readonly error: string;
  readonly description: string;
  readonly redirectUri?: string;
  readonly state?: string;
}

export type AuthorizationRequestOutcome =
  | { readonly ok: true; readonly request: AuthorizationRequest }
  | { readonly ok: false; readonly problem: AuthorizationRequestError };

const PARAMETERS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method'];

/** Reads and checks the authorization request in a query string (RFC 6749 §4.1.1, RFC 7636 §4.3). */
export async function readAuthorizationRequest(store: Store, query: URLSearchParams): Promise<AuthorizationRequestOutcome> {
  const fail = (problem: AuthorizationRequestError): AuthorizationRequestOutcome => ({ ok: false, problem });
  const repeated = PARAMETERS.find((name) => query.getAll(name).length > 1);
  const clientId = query.get('client_id');
  const app = clientId === null || clientId === '' ? undefined : await store.findAppByClientId(clientId);
  if (!app) return fail({ error: 'invalid_request', description: 'This app is not registered here (unknown client_id).' });
  const redirectUri = query.get('redirect_uri');
  // Exact string match against a registered callback (X does the same; no prefix or pattern matching).
  if (redirectUri === null || !app.callbackUrls.includes(redirectUri)) {
    return fail({ error: 'invalid_request', description: 'The redirect_uri is not one of this app’s registered callback URLs.' });
  }

  const state = query.get('state') ?? undefined;
  const back = (error: string, description: string): AuthorizationRequestOutcome =>
    fail({ error, description, redirectUri, ...(state !== undefined && { state }) });
  if (repeated) return back('invalid_request', `Parameter [${repeated}] was repeated.`);
  if (query.get('response_type') !== 'code') return back('unsupported_response_type', 'Only response_type=code is supported.');
  if (state === undefined || state === '' || state.length > 500) return back('invalid_request', 'Missing required parameter [state].');
  const scopes = [...new Set((query.get('scope') ?? '').split(/[ +]+/).filter((s) => s !== ''))];
  if (scopes.length === 0) return back('invalid_scope', 'Missing required parameter [scope].');
  if (!scopes.every((s) => (KNOWN_SCOPES as readonly string[]).includes(s))) return back('invalid_scope', 'Value passed for the scope was invalid.');
  const codeChallenge = query.get('code_challenge');
  if (codeChallenge === null || codeChallenge === '') return back('invalid_request', 'Missing required parameter [code_challenge].');
  const codeChallengeMethod = parseChallengeMethod(query.get('code_challenge_method') ?? undefined);
  if (codeChallengeMethod === undefined) return back('invalid_request', 'Value passed for the code challenge method was invalid.');
  if (!isValidChallenge(codeChallenge, codeChallengeMethod)) return back('invalid_request', 'Value passed for the code challenge was invalid.');
  return { ok: true, request: { app, redirectUri, scopes, state, codeChallenge, codeChallengeMethod } };
}

/** The client's redirect URI with the response parameters added to its query (RFC 6749 §4.1.2). */
export function redirectWith(redirectUri: string, params: Readonly<Record<string, string>>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}
