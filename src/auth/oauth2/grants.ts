import { randomUUID } from 'node:crypto';
import type { Config } from '../../config.js';
import type { EphemeralStore } from '../../storage/ephemeral.js';
import type { AppRecord, RefreshTokenRecord, TokenRecord } from '../../storage/records.js';
import type { Store } from '../../storage/store.js';
import { generateSecret, sha256Hex } from '../secrets.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { OAUTH_ERRORS } from './errors.js';
import { isValidVerifier, verifierMatches, type ChallengeMethod } from './pkce.js';

/** What an authorization code stands for, kept in the EphemeralStore under the code's hash. */
interface CodeGrant {
  readonly appId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly codeChallenge: string;
  readonly codeChallengeMethod: ChallengeMethod;
  /** Every token issued from this code and its refreshes; revoked together if the code is replayed. */
  readonly familyId: string;
}

/** A successful token response, before it is put on the wire. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly expiresInSecs: number;
  readonly scopes: readonly string[];
  readonly refreshToken?: string;
}

const codeKey = (code: string): string => `oauth2-code:${sha256Hex(code)}`;
const usedCodeKey = (code: string): string => `oauth2-code-used:${sha256Hex(code)}`;

/**
 * The OAuth 2.0 grants X offers user contexts (authorization code with PKCE, refresh token) and token
 * revocation. Codes live in the EphemeralStore (single use: taken atomically); access and refresh tokens
 * are durable rows in the Store, hashed.
 */
export class OAuth2Grants {
  constructor(
    private readonly store: Store,
    private readonly ephemeral: EphemeralStore,
    private readonly settings: Config['oauth'],
    private readonly now: () => number,
  ) {}

  /** The code sent back to the client after the user approved `request`. */
  async issueCode(request: AuthorizationRequest, userId: string): Promise<string> {
    const code = generateSecret();
    const grant: CodeGrant = {
      appId: request.app.id,
      userId,
      redirectUri: request.redirectUri,
      scopes: request.scopes,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      familyId: randomUUID(),
    };
    await this.ephemeral.put(codeKey(code), JSON.stringify(grant), this.settings.authorizationCodeTtlSecs * 1000, this.now());
    return code;
  }

  /** grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  async exchangeCode(client: AppRecord, params: Readonly<Record<string, string>>): Promise<IssuedTokens> {
    const code = required(params, 'code');
    const redirectUri = required(params, 'redirect_uri');
    const verifier = required(params, 'code_verifier');
    const now = this.now();
    const taken = await this.ephemeral.take(codeKey(code), now);
    if (taken === undefined) {
      // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for. The marker outlives the code.
      const familyId = await this.ephemeral.get(usedCodeKey(code), now);
      if (familyId !== undefined) await this.store.revokeFamily(familyId, now);
      throw OAUTH_ERRORS.invalidCode();
    }
    const grant = JSON.parse(taken) as CodeGrant;
    await this.ephemeral.put(usedCodeKey(code), grant.familyId, Math.max(this.settings.authorizationCodeTtlSecs, 600) * 1000, now);
    if (grant.appId !== client.id) throw OAUTH_ERRORS.invalidCode();
    if (grant.redirectUri !== redirectUri) throw OAUTH_ERRORS.invalidRedirectUri();
    if (!isValidVerifier(verifier) || !verifierMatches(verifier, grant.codeChallenge, grant.codeChallengeMethod)) {
      throw OAUTH_ERRORS.invalidVerifier();
    }
    const access = this.accessToken(grant.appId, grant.userId, grant.scopes, grant.familyId, now);
    const refresh = grant.scopes.includes('offline.access')
      ? this.refreshToken(grant.appId, grant.userId, grant.scopes, grant.familyId, now)
      : null;
    await this.store.insertGrant(access.record, refresh?.record ?? null);
    return this.issued(access.token, grant.scopes, refresh?.token);
  }

  /**
   * grant_type=refresh_token (RFC 6749 §6): rotates the refresh token. A used or revoked one is refused and
   * its whole family revoked (RFC 6819 §5.2.2.3), since either the client or a thief holds a copy.
   */
  async refresh(client: AppRecord, params: Readonly<Record<string, string>>): Promise<IssuedTokens> {
    const presented = required(params, 'refresh_token');
    const now = this.now();
    const hash = sha256Hex(presented);
    const old = await this.store.findRefreshToken(hash);
    if (!old || old.appId !== client.id || old.expiresAtMs <= now) throw OAUTH_ERRORS.invalidToken();
    const scopes = narrowScopes(old.scopes, params.scope);
    const access = this.accessToken(old.appId, old.userId, scopes, old.familyId, now);
    const refresh = this.refreshToken(old.appId, old.userId, scopes, old.familyId, now);
    if (!(await this.store.rotateRefreshToken(hash, access.record, refresh.record, now))) throw OAUTH_ERRORS.invalidToken();
    return this.issued(access.token, scopes, refresh.token);
  }

  /**
   * RFC 7009: revokes an access token (that token only) or a refresh token (its whole family, access tokens
   * included). Unknown tokens are "revoked" too (§2.2), and so, without being touched, are another client's:
   * to this client they are invalid tokens, and a different answer would tell it that the token exists.
   */
  async revoke(client: AppRecord, params: Readonly<Record<string, string>>): Promise<void> {
    const token = required(params, 'token');
    const hint = params.token_type_hint;
    if (hint !== undefined && hint !== 'access_token' && hint !== 'refresh_token') throw OAUTH_ERRORS.unsupportedTokenType();
    const hash = sha256Hex(token);
    const now = this.now();
    const lookups = hint === 'refresh_token' ? [this.revokeRefresh, this.revokeAccess] : [this.revokeAccess, this.revokeRefresh];
    for (const lookup of lookups) if (await lookup(client, hash, now)) return;
  }

  private readonly revokeAccess = async (client: AppRecord, hash: string, now: number): Promise<boolean> => {
    const record = await this.store.findToken(hash);
    if (!record || record.kind !== 'user' || record.appId !== client.id) return false;
    await this.store.revokeToken(hash, now);
    return true;
  };

  private readonly revokeRefresh = async (client: AppRecord, hash: string, now: number): Promise<boolean> => {
    const record = await this.store.findRefreshToken(hash);
    if (!record || record.appId !== client.id) return false;
    await this.store.revokeFamily(record.familyId, now);
    return true;
  };

  private accessToken(appId: string, userId: string, scopes: readonly string[], familyId: string, now: number) {
    const token = generateSecret();
    const record: TokenRecord = {
      hash: sha256Hex(token),
      kind: 'user',
      appId,
      userId,
      scopes: [...scopes],
      createdAtMs: now,
      expiresAtMs: now + this.settings.accessTokenTtlSecs * 1000,
      revokedAtMs: null,
      familyId,
    };
    return { token, record };
  }

  private refreshToken(appId: string, userId: string, scopes: readonly string[], familyId: string, now: number) {
    const token = generateSecret();
    const record: RefreshTokenRecord = {
      hash: sha256Hex(token),
      familyId,
      appId,
      userId,
      scopes: [...scopes],
      createdAtMs: now,
      expiresAtMs: now + this.settings.refreshTokenTtlSecs * 1000,
      usedAtMs: null,
      revokedAtMs: null,
    };
    return { token, record };
  }

  private issued(accessToken: string, scopes: readonly string[], refreshToken: string | undefined): IssuedTokens {
    return {
      accessToken,
      expiresInSecs: this.settings.accessTokenTtlSecs,
      scopes,
      ...(refreshToken !== undefined && { refreshToken }),
    };
  }
}

function required(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw OAUTH_ERRORS.missing(name);
  return value;
}

/** RFC 6749 §6: a refresh may ask for fewer scopes than were granted, never more. */
function narrowScopes(granted: readonly string[], requested: string | undefined): readonly string[] {
  if (requested === undefined || requested.trim() === '') return granted;
  const scopes = [...new Set(requested.split(/\s+/).filter((s) => s !== ''))];
  if (!scopes.every((s) => granted.includes(s))) throw OAUTH_ERRORS.invalidScope();
  return scopes;
}
