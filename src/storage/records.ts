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
  /** OAuth 1.0a consumer key (X's "API key"), public; null for apps created before it existed. */
  consumerKey: string | null;
  /** OAuth 1.0a consumer secret, sealed by SecretBox (HMAC-SHA1 needs it in clear, so it is not hashed). */
  consumerSecretSealed: string | null;
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
  /** The OAuth 2.0 grant (authorization code and its refresh chain) that issued it; null for CLI tokens. */
  familyId: string | null;
}

/**
 * An OAuth 2.0 refresh token. Each use rotates it: the old one is marked used and a new one is issued in the
 * same family; presenting a used one again revokes the whole family (RFC 6819 §5.2.2.3).
 */
export interface RefreshTokenRecord {
  /** SHA-256 (hex) of the refresh token. */
  hash: string;
  familyId: string;
  appId: string;
  userId: string;
  scopes: string[];
  createdAtMs: number;
  expiresAtMs: number;
  usedAtMs: number | null;
  revokedAtMs: number | null;
}

/** An OAuth 1.0a access token of a user for an app. */
export interface OAuth1TokenRecord {
  /** The public `oauth_token`, stored as is: it names the credentials, the secret proves them. */
  token: string;
  /** The token secret, sealed by SecretBox. */
  secretSealed: string;
  appId: string;
  userId: string;
  createdAtMs: number;
  revokedAtMs: number | null;
}

/** What verifying one OAuth 1.0a request needs, found with one lookup. */
export interface OAuth1Credentials {
  appId: string;
  userId: string;
  consumerSecretSealed: string;
  tokenSecretSealed: string;
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
  /**
   * 'uploading' until finalized; then the outcome of processing, which clients see only from `readyAtMs` on
   * (src/domain/processing.ts derives what STATUS shows at any moment from these stored facts).
   */
  state: MediaState;
  /** Bytes in the file (for a chunked upload: the declared total). */
  size: number;
  width: number | null;
  height: number | null;
  durationMs: number | null;
  createdAtMs: number;
  expiresAtMs: number;
  /** When (simulated) processing leaves the queue; null until finalized, and for media that need none. */
  processingStartsAtMs: number | null;
  /** When the outcome of processing becomes visible; null until finalized. */
  readyAtMs: number | null;
  /** Why processing failed, shown in `processing_info.error` once `readyAtMs` has passed. */
  processingError: string | null;
  /** Subtitle tracks attached to a video (POST /2/media/subtitles), one per language. */
  subtitles: SubtitleTrack[];
  metadata: MediaMetadata;
}

export interface SubtitleTrack {
  /** The media id of the uploaded SRT/VTT file. */
  mediaId: string;
  languageCode: string;
  displayName: string;
}

/**
 * One received piece of a media file. A media item's bytes are the concatenation of its segments in index
 * order (a one-shot upload is a single segment); they are never copied into one file.
 */
export interface SegmentRecord {
  index: number;
  /** BlobStore key, `<media id>/<name>`. */
  blobKey: string;
  size: number;
  /** Hex SHA-256 of the bytes: tells a retried append (same bytes) from a conflicting one. */
  sha256: string;
}
