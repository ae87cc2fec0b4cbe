import type { MediaMetadata, MetadataPatch } from '../domain/metadata.js';
import type {
  AppRecord,
  MediaRecord,
  OAuth1Credentials,
  OAuth1TokenRecord,
  RefreshTokenRecord,
  SegmentRecord,
  SubtitleTrack,
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
  /**
   * Optional, for stores that can answer without I/O (the embedded store): `getMedia` at once, null when
   * there is no such media, undefined when only getMedia can tell.
   */
  getMediaNow?(id: string): MediaRecord | null | undefined;
  getMediaMany(ids: readonly string[]): Promise<MediaRecord[]>;
  /**
   * Which of `ids` a media row still names (an upload session, or an expired row not yet swept, included), in
   * no particular order. The orphan scan of the expiry sweeper asks it of the blob groups it finds.
   */
  findMediaIds(ids: readonly string[]): Promise<string[]>;
}

export interface MediaTransactor {
  /** Inserts a media row (an upload session when its state is 'uploading') with the segments already received. */
  insertMedia(media: MediaRecord, segments?: readonly SegmentRecord[]): Promise<void>;
  /**
   * Applies `patch` to the stored metadata atomically (concurrent patches of different keys all land).
   * Resolves to the whole metadata now stored, or undefined when no media with that id expires after `nowMs`.
   */
  updateMetadata(id: string, patch: MetadataPatch, nowMs: number): Promise<MediaMetadata | undefined>;
}

/**
 * Chunked uploads. Sessions are media rows in state 'uploading' and their segments are rows too, so any
 * instance can take the next step of an upload that another began.
 */
export interface UploadReader {
  /** The segments received so far, in index order. */
  listSegments(mediaId: string): Promise<SegmentRecord[]>;
}

export type AddSegmentOutcome =
  | { readonly kind: 'added' }
  /** The same bytes were already stored under this index: a retry. The new blob is not referenced. */
  | { readonly kind: 'duplicate' }
  /** Different bytes are already stored under this index. */
  | { readonly kind: 'conflict' }
  /** Accepting the segment would make the upload larger than its declared total. */
  | { readonly kind: 'over_total'; readonly receivedBytes: number }
  /** No session accepting segments: unknown, expired, or already finalized. */
  | { readonly kind: 'not_uploading' };

export interface FinalizeFacts {
  readonly state: 'succeeded' | 'failed';
  readonly mimeType: string;
  readonly width: number | null;
  readonly height: number | null;
  readonly durationMs: number | null;
  readonly processingStartsAtMs: number | null;
  readonly readyAtMs: number;
  readonly processingError: string | null;
}

export interface UploadTransactor {
  /** Records a received segment if the session still accepts it (checked inside the transaction). */
  addSegment(mediaId: string, segment: SegmentRecord, nowMs: number): Promise<AddSegmentOutcome>;
  /**
   * Moves an unexpired session from 'uploading' to finalized, provided its segments are still exactly
   * `segmentCount` segments of `totalBytes` bytes. Resolves to the finalized row, or undefined when the
   * session was not in that state (finalized meanwhile, expired, or changed).
   */
  finalizeMedia(
    mediaId: string,
    expected: { readonly segmentCount: number; readonly totalBytes: number },
    facts: FinalizeFacts,
    nowMs: number,
  ): Promise<MediaRecord | undefined>;
  /**
   * Attaches a subtitle track (replacing the track of the same language) to an unexpired media item.
   * Resolves to all its tracks, or undefined when the media is gone.
   */
  putSubtitleTrack(mediaId: string, track: SubtitleTrack, nowMs: number): Promise<SubtitleTrack[] | undefined>;
  /** Detaches the track of `languageCode`; resolves to whether there was one, or undefined when the media is gone. */
  deleteSubtitleTrack(mediaId: string, languageCode: string, nowMs: number): Promise<boolean | undefined>;
  /**
   * Deletes up to `limit` media rows that expired before `nowMs` (with their segments) and records their ids as
   * blob garbage, in one transaction. Resolves to blob-garbage ids whose bytes are to be deleted, including ids
   * left by a sweep that died before finishing. Safe to run from several instances at once.
   */
  collectExpiredMedia(nowMs: number, limit: number): Promise<string[]>;
  /** Forgets blob-garbage ids whose bytes have been deleted. */
  forgetBlobGarbage(mediaIds: readonly string[]): Promise<void>;
}

export interface AuthReader {
  /** On every request with a bearer token: one lookup by primary key. */
  findToken(hash: string): Promise<TokenRecord | undefined>;
  /**
   * Optional, for stores that can answer without I/O (the embedded store: its read cache, else a synchronous
   * SQLite read): the token at once, null when there is none, undefined when only findToken can tell. Lets
   * the request guard run without a promise per request; stores that lack it are asked through findToken.
   */
  findTokenNow?(hash: string): TokenRecord | null | undefined;
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

export interface Store extends MediaReader, MediaTransactor, UploadReader, UploadTransactor, AuthReader, AuthTransactor {
  readonly backend: 'sqlite' | 'postgres';
  /** Throws when the database cannot answer; used by the health route. */
  ping(): Promise<void>;
  /** The newest migration applied (opening a store applies the missing ones). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

/** Raised by a transactor when a unique key is taken (a name, or an id that collided). */
export class DuplicateKeyError extends Error {
  override name = 'DuplicateKeyError';
}
