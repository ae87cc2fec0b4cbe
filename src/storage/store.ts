import type { MediaMetadata, MetadataPatch } from '../domain/metadata.js';
import type { AppRecord, MediaRecord, TokenRecord, UserRecord } from './records.js';

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
  findToken(hash: string): Promise<TokenRecord | undefined>;
  findUserByName(username: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  findAppByName(name: string): Promise<AppRecord | undefined>;
  countUsers(): Promise<number>;
}

export interface AuthTransactor {
  insertUser(user: UserRecord): Promise<void>;
  insertApp(app: AppRecord): Promise<void>;
  insertToken(token: TokenRecord): Promise<void>;
  /** Resolves true when a live token was revoked. */
  revokeToken(hash: string, nowMs: number): Promise<boolean>;
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
