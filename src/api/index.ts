import type { Endpoint } from '../http/endpoint.js';
import health from './health.js';
import healthLive from './health-live.js';
import mediaByKey from './2/media/by-key.js';
import mediaLookup from './2/media/lookup.js';
import metadata from './2/media/metadata.js';
import metadataCreate from './2/media/metadata/create.js';
import upload from './2/media/upload/index.js';
import uploadAppend from './2/media/upload/append.js';
import uploadFinalize from './2/media/upload/finalize.js';
import uploadInitialize from './2/media/upload/initialize.js';
import uploadStatus from './2/media/upload/status.js';
import subtitlesCreate from './2/media/subtitles/create.js';
import subtitlesDelete from './2/media/subtitles/delete.js';
import v1MetadataCreate from './1.1/media/metadata/create.js';
import v1Upload from './1.1/media/upload.js';
import v1UploadStatus from './1.1/media/upload-status.js';
import oauth2Revoke from './2/oauth2/revoke.js';
import oauth2Token from './2/oauth2/token.js';
import authorize from './i/oauth2/authorize.js';
import authorizeSubmit from './i/oauth2/authorize-submit.js';
import invalidateToken from './oauth2/invalidate_token.js';
import appOnlyToken from './oauth2/token.js';

/** Every API method xmedia serves; one file each, named after its path. */
export const ENDPOINTS: readonly Endpoint[] = [
  health,
  healthLive,
  metadataCreate,
  metadata,
  upload,
  mediaLookup,
  mediaByKey,
  uploadInitialize,
  uploadAppend,
  uploadFinalize,
  uploadStatus,
  subtitlesCreate,
  subtitlesDelete,
  v1Upload,
  v1UploadStatus,
  v1MetadataCreate,
];

/** OAuth 2.0 and app-only token endpoints, and the consent page (docs/AUTH.md). */
export const AUTH_ENDPOINTS: readonly Endpoint[] = [
  ...authorize,
  ...authorizeSubmit,
  oauth2Token,
  oauth2Revoke,
  appOnlyToken,
  invalidateToken,
];
