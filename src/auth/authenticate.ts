import type { Config } from '../config.js';
import type { EphemeralStore } from '../storage/ephemeral.js';
import type { TokenRecord } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { PROBLEMS, ProblemError } from '../wire/problems.js';
import { sealedFor } from './credentials.js';
import {
  hmacSha1Signature,
  normalizeOrigin,
  parseOAuthHeader,
  signatureBaseString,
  type Parameter,
} from './oauth1-signature.js';
import { KNOWN_SCOPES, type AuthRequirement, type Principal, type UserPrincipal } from './principal.js';
import type { SecretBox } from './secret-box.js';
import { safeEqual, sha256Hex } from './secrets.js';

/** What an OAuth 1.0a signature covers, read from the HTTP request only when the request is OAuth 1.0a. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as received. */
  readonly url: string;
  /** `scheme://host[:port]` as this server was reached. */
  readonly origin: string;
  /** Parameters of an application/x-www-form-urlencoded body: part of an OAuth 1.0a signature. */
  readonly form?: URLSearchParams;
}

/** Where X serves the media API: clients that sign X's own URL for OAuth 1.0a signed one of these. */
export const X_ORIGINS = ['https://api.x.com', 'https://upload.x.com', 'https://api.twitter.com', 'https://upload.twitter.com'];

/** OAuth 1.0a user context reaches every user-context endpoint, as on X (its scope is the app's permission). */
const OAUTH1_SCOPES: ReadonlySet<string> = new Set(KNOWN_SCOPES);

const unauthorized = (): ProblemError => new ProblemError(PROBLEMS.UNAUTHORIZED);

/**
 * Turns an Authorization header into a Principal, or throws X's 401. Bearer tokens cost one SHA-256 and one
 * primary-key lookup (served from memory by the embedded store, which drops the entry when the token is
 * revoked by this process or anything is written by another; PostgreSQL is asked every time, so a revocation
 * applies to the next request on every instance); expired and revoked tokens are indistinguishable from
 * unknown ones. OAuth 1.0a requests are verified per RFC 5849.
 */
export class Authenticator {
  private readonly extraOrigins: readonly string[];

  constructor(
    private readonly store: Store,
    private readonly nonces: EphemeralStore,
    private readonly box: SecretBox,
    private readonly config: Pick<Config, 'publicUrl' | 'oauth'>,
  ) {
    this.extraOrigins = [config.publicUrl, ...(config.oauth.oauth1AcceptXUrls ? X_ORIGINS : [])].map(normalizeOrigin);
  }

  async authenticate(header: string | undefined, nowMs: number, signedRequest: () => SignedRequest): Promise<Principal> {
    if (header === undefined) throw unauthorized();
    const space = header.indexOf(' ');
    const scheme = (space === -1 ? header : header.slice(0, space)).toLowerCase();
    if (scheme === 'bearer') return this.bearer(header.slice(space + 1).trim(), nowMs);
    if (scheme === 'oauth') return this.oauth1(header, signedRequest(), nowMs);
    throw unauthorized();
  }

  /**
   * `authenticate` without a promise, for a bearer token the store can look up at once (the embedded store);
   * undefined when it cannot, or for any other scheme: then call `authenticate`. Throws the same 401s. The
   * Principal is built once per cached token record and handed to every request that presents the token:
   * when the record leaves the store's cache (revoked, or another process wrote), so does its Principal.
   * `connection`: the request's socket, whose tokens' hashes are remembered while it stays open.
   */
  authenticateNow(header: string | undefined, nowMs: number, connection?: object): Principal | undefined {
    if (header === undefined) throw unauthorized();
    if (this.store.findTokenNow === undefined || !BEARER_SCHEME.test(header)) return undefined;
    const space = header.indexOf(' ');
    const token = header.slice(space + 1).trim();
    if (token === '' || token.length > 512) throw unauthorized();
    const record = this.store.findTokenNow(this.hashOf(token, connection));
    if (record === undefined) return undefined;
    if (record === null || !isLive(record, nowMs)) throw unauthorized();
    let principal = this.principals.get(record);
    if (principal === undefined) {
      principal = principalOf(record);
      this.principals.set(record, principal);
    }
    return principal;
  }

  private readonly principals = new WeakMap<TokenRecord, Principal>();

  /**
   * The SHA-256 of the bearer tokens each open connection has sent: a client sends the same token on every
   * request of a kept-alive connection, and hashing it cost ~7 % of a lookup's CPU (docs/PERFORMANCE.md, sixth
   * pass). A token stays in memory no longer than its connection. Tokens are found as keys of a Map, so one is
   * compared character by character only with a token of the same 32-bit hash: behind a proxy one connection
   * carries many clients' requests, and comparing a guess with another client's token would time the guess.
   */
  private readonly tokenHashes = new WeakMap<object, Map<string, string>>();

  private hashOf(token: string, connection: object | undefined): string {
    if (connection === undefined) return sha256Hex(token);
    let hashes = this.tokenHashes.get(connection);
    const known = hashes?.get(token);
    if (known !== undefined) return known;
    const hash = sha256Hex(token);
    if (hashes === undefined) this.tokenHashes.set(connection, (hashes = new Map()));
    else if (hashes.size >= TOKENS_PER_CONNECTION) hashes.clear();
    hashes.set(token, hash);
    return hash;
  }

  private async bearer(token: string, nowMs: number): Promise<Principal> {
    if (token === '' || token.length > 512) throw unauthorized();
    const record = await this.store.findToken(sha256Hex(token));
    if (!record || !isLive(record, nowMs)) throw unauthorized();
    return principalOf(record);
  }

  /**
   * RFC 5849 §3.2: signature over the method, the base URI and every query, form and oauth_* parameter; a
   * timestamp within the window; a nonce never seen before for these credentials and timestamp. The base URI
   * may be the one this server was reached at, its public URL, or (a setting, on by default) X's own.
   */
  private async oauth1(header: string, request: SignedRequest, nowMs: number): Promise<UserPrincipal> {
    if (header.length > 4096) throw unauthorized();
    const oauth = parseOAuthHeader(header);
    const consumerKey = oauth?.get('oauth_consumer_key');
    const token = oauth?.get('oauth_token');
    const signature = oauth?.get('oauth_signature');
    const timestamp = oauth?.get('oauth_timestamp');
    const nonce = oauth?.get('oauth_nonce');
    const version = oauth?.get('oauth_version');
    if (!oauth || !consumerKey || !token || !signature || !timestamp || !nonce || nonce.length > 256) throw unauthorized();
    if (oauth.get('oauth_signature_method') !== 'HMAC-SHA1' || (version !== undefined && version !== '1.0')) throw unauthorized();
    const windowSecs = this.config.oauth.oauth1TimestampWindowSecs;
    if (!/^[0-9]{1,12}$/.test(timestamp) || Math.abs(Number(timestamp) - nowMs / 1000) > windowSecs) throw unauthorized();

    const credentials = await this.store.findOAuth1Credentials(consumerKey, token);
    if (!credentials) throw unauthorized();
    const consumerSecret = this.box.open(credentials.consumerSecretSealed, sealedFor.consumerSecret(consumerKey));
    const tokenSecret = this.box.open(credentials.tokenSecretSealed, sealedFor.oauth1TokenSecret(token));

    const queryStart = request.url.indexOf('?');
    const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
    const params: Parameter[] = [];
    if (queryStart !== -1) for (const pair of new URLSearchParams(request.url.slice(queryStart + 1))) params.push(pair);
    if (request.form) for (const pair of request.form) params.push(pair);
    for (const [name, value] of oauth) if (name !== 'oauth_signature' && name !== 'realm') params.push([name, value]);

    const origins = new Set([...receivedOrigin(request.origin), ...this.extraOrigins]);
    let valid = false;
    for (const origin of origins) {
      const expected = hmacSha1Signature(signatureBaseString(request.method, origin + path, params), consumerSecret, tokenSecret);
      // Every candidate is computed and compared, so timing says nothing about which one matched.
      valid = safeEqual(expected, signature) || valid;
    }
    if (!valid) throw unauthorized();
    // Checked after the signature, so nobody can use up a nonce they could not sign.
    const nonceKey = `oauth1-nonce:${consumerKey}:${token}:${timestamp}:${nonce}`;
    if (!(await this.nonces.putIfAbsent(nonceKey, '1', 2 * windowSecs * 1000, nowMs))) throw unauthorized();
    return { kind: 'user', userId: credentials.userId, appId: credentials.appId, scopes: OAUTH1_SCOPES };
  }
}

/** `Bearer` followed by a space, in any case (the scheme `authenticate` reads as bearer, when followed by a token). */
const BEARER_SCHEME = /^bearer /i;

/** A proxy's connection carries several clients' tokens; a client's own, one or two. */
const TOKENS_PER_CONNECTION = 16;

/** Not revoked, not expired. */
function isLive(record: TokenRecord, nowMs: number): boolean {
  return record.revokedAtMs === null && (record.expiresAtMs === null || record.expiresAtMs > nowMs);
}

function principalOf(record: TokenRecord): Principal {
  if (record.kind === 'app' || record.userId === null) return { kind: 'app', appId: record.appId };
  return { kind: 'user', userId: record.userId, appId: record.appId, scopes: new Set(record.scopes) };
}

/** The origin the request came in at, or nothing when its Host header is no host at all. */
function receivedOrigin(origin: string): string[] {
  try {
    return [normalizeOrigin(origin)];
  } catch {
    return [];
  }
}

/** X's order: who you are (401) is settled before what you may do (403). */
export function authorize(principal: Principal, requirement: AuthRequirement): void {
  if (requirement.context === 'none') return;
  if (principal.kind === 'app') throw new ProblemError(PROBLEMS.UNSUPPORTED_AUTHENTICATION);
  if (!principal.scopes.has(requirement.scope)) throw new ProblemError(PROBLEMS.FORBIDDEN);
}
