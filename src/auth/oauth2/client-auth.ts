import type { Credentials } from '../credentials.js';
import type { AppRecord } from '../../storage/records.js';
import type { Store } from '../../storage/store.js';
import { safeEqual, sha256Hex } from '../secrets.js';
import { OAUTH_ERRORS } from './errors.js';

export interface BasicCredentials {
  readonly id: string;
  readonly secret: string;
}

/**
 * `Authorization: Basic base64(id:secret)`. RFC 6749 §2.3.1 form-encodes both parts before base64 (as
 * twitter-api-v2 does); other clients send them raw. Decoding the form encoding is harmless for raw ones:
 * xmedia's ids and secrets are base64url and contain neither `%` nor `+`.
 */
export function parseBasic(header: string | undefined): BasicCredentials | undefined {
  if (header === undefined || !/^basic\s/i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Who is calling the token or revoke endpoint (RFC 6749 §2.3). A confidential client proves itself with its
 * secret, in HTTP Basic or (as twitter-api-v2 also does) as `client_secret` in the body; a public client
 * names itself with `client_id`. Every failure is X's single 401.
 */
export async function authenticateClient(
  store: Store,
  authorization: string | undefined,
  params: Readonly<Record<string, string>>,
): Promise<AppRecord> {
  const basic = parseBasic(authorization);
  const clientId = basic?.id ?? params.client_id;
  if (clientId === undefined || (basic && params.client_id !== undefined && params.client_id !== basic.id)) {
    throw OAUTH_ERRORS.clientAuthentication();
  }
  const app = await store.findAppByClientId(clientId);
  if (!app) throw OAUTH_ERRORS.clientAuthentication();
  if (app.clientSecretHash === null) return app;
  const secret = basic?.secret ?? params.client_secret;
  if (secret === undefined || !safeEqual(sha256Hex(secret), app.clientSecretHash)) throw OAUTH_ERRORS.clientAuthentication();
  if (basic && params.client_secret !== undefined && params.client_secret !== basic.secret) throw OAUTH_ERRORS.clientAuthentication();
  return app;
}

/**
 * App-only credentials for `POST /oauth2/token` and `/oauth2/invalidate_token`: HTTP Basic with the app's
 * consumer key and secret (X's "API key and secret", what twitter-api-v2's appLogin sends) or, for a
 * confidential client, its OAuth 2.0 client id and secret. Undefined when they do not check out.
 */
export async function authenticateAppCredentials(
  store: Store,
  credentials: Credentials,
  authorization: string | undefined,
): Promise<AppRecord | undefined> {
  const basic = parseBasic(authorization);
  if (!basic) return undefined;
  const byConsumerKey = await store.findAppByConsumerKey(basic.id);
  if (byConsumerKey) {
    const secret = credentials.consumerSecretOf(byConsumerKey);
    return secret !== null && safeEqual(secret, basic.secret) ? byConsumerKey : undefined;
  }
  const byClientId = await store.findAppByClientId(basic.id);
  if (byClientId?.clientSecretHash && safeEqual(sha256Hex(basic.secret), byClientId.clientSecretHash)) return byClientId;
  return undefined;
}
