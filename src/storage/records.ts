import type { MediaCategory, MediaKind, MediaState } from '../domain/media.js';
import type { MediaMetadata } from '../domain/metadata.js';

/** Rows as the storage backends hand them to the rest of xmedia; the same for every backend. */

export interface UserRecord {
  id: string;
  username: string;
  /** scrypt hash for the consent page's sign-in; null for users that only hold CLI-issued tokens. */
  passwordHash: string | null;
  createdAtMs: number;
}

export interface AppRecord {
  id: string;
  name: string;
  /** OAuth 2.0 client id, public. */
  clientId: string;
  /** SHA-256 of the OAuth 2.0 client secret; null for public clients. */
  clientSecretHash: string | null;
  callbackUrls: string[];
  createdAtMs: number;
}

export type TokenKind = 'user' | 'app';

export interface TokenRecord {
  /** SHA-256 (hex) of the bearer token; the token itself is never stored. */
  hash: string;
  kind: TokenKind;
  appId: string;
  /** Null for app-only tokens. */
  userId: string | null;
  scopes: string[];
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
}

export interface MediaRecord {
  id: string;
  kind: MediaKind;
  category: MediaCategory;
  mimeType: string;
  ownerId: string;
  appId: string | null;
  /** Users who may use the media as if they had uploaded it (X's `additional_owners`). */
  additionalOwners: string[];
  shared: boolean;
  state: MediaState;
  /** Bytes in the file (for a chunked upload: the declared total). */
  size: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  createdAtMs: number;
  expiresAtMs: number;
  metadata: MediaMetadata;
}
