import type { MediaMetadata, MetadataPatch } from '../domain/metadata.js';
import type {
  AppRecord,
  MediaRecord,
  OAuth1Credentials,
  OAuth1TokenRecord,
  RefreshTokenRecord,
  TokenRecord,
  UserRecord,
} from './records.js';

/**
 * The one storage interface. Routes and domain code see only this; each backend (SQLite embedded,
 * PostgreSQL for scale-out) implements it and passes the same contract suite (test/storage/contract.ts).
 *
 * Readers never change anything. Transactors change rows; each method is one transaction, and its promise
 * resolves only after the change is durable (it survives kill -9 and power loss).
 */
export interface MediaReader {
  getMedia(id: string): Promise<MediaRecord | undefined>;
  getMediaMany(ids: readonly string[]): Promise<MediaRecord[]>;
}

export interface MediaTransactor {
  insertMedia(media: MediaRecord): Promise<void>;
  /**
   * Applies `patch` to the stored metadata atomically (concurrent patches of different keys all land).
   * Resolves to the whole metadata now stored, or undefined when no media with that id expires after `nowMs`.
   */
  updateMetadata(id: string, patch: MetadataPatch, nowMs: number): Promise<MediaMetadata | undefined>;
}

export interface AuthReader {
  /** On every request with a bearer token: one lookup by primary key. */
  findToken(hash: string): Promise<TokenRecord | undefined>;
  findUserByName(username: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  findAppByName(name: string): Promise<AppRecord | undefined>;
  findAppByClientId(clientId: string): Promise<AppRecord | undefined>;
  findAppByConsumerKey(consumerKey: string): Promise<AppRecord | undefined>;
  countUsers(): Promise<number>;
  listUsers(): Promise<UserRecord[]>;
  listApps(): Promise<AppRecord[]>;
  /** Bearer tokens, newest first; only one user's when `userId` is given. */
  listTokens(filter: { userId?: string }): Promise<TokenRecord[]>;
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * On every OAuth 1.0a request: the live (unrevoked) access token `token` of the app whose consumer key is
   * `consumerKey`, with both sealed secrets; one indexed lookup.
   */
  findOAuth1Credentials(consumerKey: string, token: string): Promise<OAuth1Credentials | undefined>;
  listOAuth1Tokens(filter: { userId?: string }): Promise<OAuth1TokenRecord[]>;
}

export interface AuthTransactor {
  insertUser(user: UserRecord): Promise<void>;
  insertApp(app: AppRecord): Promise<void>;
  /** Deletes the user with every token of theirs; resolves false when there was no such user. */
  deleteUser(id: string): Promise<boolean>;
  /** Deletes the app with every token issued to it; resolves false when there was no such app. */
  deleteApp(id: string): Promise<boolean>;
  insertToken(token: TokenRecord): Promise<void>;
  /** Resolves true when a live token was revoked. */
  revokeToken(hash: string, nowMs: number): Promise<boolean>;
  /** Stores the tokens of a new OAuth 2.0 grant (an access token and, with offline.access, a refresh token). */
  insertGrant(access: TokenRecord, refresh: RefreshTokenRecord | null): Promise<void>;
  /**
   * Rotates a refresh token atomically: when `oldHash` is live (neither used nor revoked) it is marked used
   * and `access` and `refresh` are stored, resolving true. Otherwise (a replay, or a concurrent second use)
   * the whole family is revoked and nothing is stored, resolving false. Expiry is the caller's to check.
   */
  rotateRefreshToken(oldHash: string, access: TokenRecord, refresh: RefreshTokenRecord, nowMs: number): Promise<boolean>;
  /** Revokes every access and refresh token of a grant; resolves to how many were live. */
  revokeFamily(familyId: string, nowMs: number): Promise<number>;
  insertOAuth1Token(token: OAuth1TokenRecord): Promise<void>;
  /** Resolves true when a live OAuth 1.0a token was revoked. */
  revokeOAuth1Token(token: string, nowMs: number): Promise<boolean>;
}

export interface Store extends MediaReader, MediaTransactor, AuthReader, AuthTransactor {
  readonly backend: 'sqlite' | 'postgres';
  /** Throws when the database cannot answer; used by the health route. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Raised by a transactor when a unique key is taken (a name, or an id that collided). */
export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError';
}
