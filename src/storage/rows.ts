import type { MediaCategory, MediaKind, MediaState } from '../domain/media.js';
import type { MediaMetadata } from '../domain/metadata.js';
import type {
  AppRecord,
  MediaRecord,
  OAuth1TokenRecord,
  RefreshTokenRecord,
  SegmentRecord,
  SubtitleTrack,
  TokenRecord,
  UserRecord,
} from './records.js';

/**
 * Rows as both SQL backends return them (the same columns in both schemas) and their mapping to records.
 * The only differences between backends are absorbed here: JSON columns arrive as text from SQLite and
 * parsed from PostgreSQL's JSONB, booleans as 0/1 from SQLite.
 */
export type JsonColumn<T> = string | T;

export function json<T>(value: JsonColumn<T>): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

export interface MediaRow {
  id: string;
  kind: string;
  category: string;
  mime_type: string;
  owner_id: string;
  app_id: string | null;
  additional_owners: JsonColumn<string[]>;
  shared: number | boolean;
  state: string;
  size: number;
  width: number | null;
  height: number | null;
  duration_ms: number | null;
  created_at: number;
  expires_at: number;
  processing_starts_at: number | null;
  ready_at: number | null;
  processing_error: string | null;
  subtitles: JsonColumn<SubtitleTrack[]>;
  metadata: JsonColumn<MediaMetadata>;
}

export interface SegmentRow {
  segment_index: number;
  blob_key: string;
  size: number;
  sha256: string;
}

export interface TokenRow {
  hash: string;
  kind: 'user' | 'app';
  app_id: string;
  user_id: string | null;
  scopes: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  family_id: string | null;
}

export interface RefreshTokenRow {
  hash: string;
  family_id: string;
  app_id: string;
  user_id: string;
  scopes: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface OAuth1TokenRow {
  token: string;
  secret_sealed: string;
  app_id: string;
  user_id: string;
  created_at: number;
  revoked_at: number | null;
}

export interface UserRow {
  id: string;
  username: string;
  password_hash: string | null;
  created_at: number;
}

export interface AppRow {
  id: string;
  name: string;
  client_id: string;
  client_secret_hash: string | null;
  callback_urls: JsonColumn<string[]>;
  consumer_key: string | null;
  consumer_secret_sealed: string | null;
  created_at: number;
}

export function toMedia(row: MediaRow): MediaRecord {
  return {
    id: row.id,
    kind: row.kind as MediaKind,
    category: row.category as MediaCategory,
    mimeType: row.mime_type,
    ownerId: row.owner_id,
    appId: row.app_id,
    additionalOwners: json(row.additional_owners),
    shared: row.shared === true || row.shared === 1,
    state: row.state as MediaState,
    size: row.size,
    width: row.width,
    height: row.height,
    durationMs: row.duration_ms,
    createdAtMs: row.created_at,
    expiresAtMs: row.expires_at,
    processingStartsAtMs: row.processing_starts_at,
    readyAtMs: row.ready_at,
    processingError: row.processing_error,
    subtitles: json(row.subtitles),
    metadata: json(row.metadata),
  };
}

export function toSegment(row: SegmentRow): SegmentRecord {
  return { index: row.segment_index, blobKey: row.blob_key, size: row.size, sha256: row.sha256 };
}

export function toToken(row: TokenRow): TokenRecord {
  return {
    hash: row.hash,
    kind: row.kind,
    appId: row.app_id,
    userId: row.user_id,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    createdAtMs: row.created_at,
    expiresAtMs: row.expires_at,
    revokedAtMs: row.revoked_at,
    familyId: row.family_id,
  };
}

export function toRefreshToken(row: RefreshTokenRow): RefreshTokenRecord {
  return {
    hash: row.hash,
    familyId: row.family_id,
    appId: row.app_id,
    userId: row.user_id,
    scopes: row.scopes === '' ? [] : row.scopes.split(' '),
    createdAtMs: row.created_at,
    expiresAtMs: row.expires_at,
    usedAtMs: row.used_at,
    revokedAtMs: row.revoked_at,
  };
}

export function toOAuth1Token(row: OAuth1TokenRow): OAuth1TokenRecord {
  return {
    token: row.token,
    secretSealed: row.secret_sealed,
    appId: row.app_id,
    userId: row.user_id,
    createdAtMs: row.created_at,
    revokedAtMs: row.revoked_at,
  };
}

export function toUser(row: UserRow): UserRecord {
  return { id: row.id, username: row.username, passwordHash: row.password_hash, createdAtMs: row.created_at };
}

export function toApp(row: AppRow): AppRecord {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    clientSecretHash: row.client_secret_hash,
    callbackUrls: json(row.callback_urls),
    consumerKey: row.consumer_key,
    consumerSecretSealed: row.consumer_secret_sealed,
    createdAtMs: row.created_at,
  };
}
