import { Type } from '@sinclair/typebox';
import type { SubtitledCategory } from '../domain/media-service.js';
import type { SubtitleTrack } from '../storage/records.js';
import { MediaIdSchema } from './schemas.js';
import { compileValidator } from './validation.js';

/**
 * POST and DELETE /2/media/subtitles (openapi-media-2.166.json). X marks no field required; every one is
 * needed to do anything, so each is required here (the delete body's are required in 2.167).
 */
const CategorySchema = Type.Union([Type.Literal('TweetVideo'), Type.Literal('AmplifyVideo')]);
const LanguageCodeSchema = Type.String({ pattern: '^[A-Z]{2}$' });

export const CreateSubtitlesSchema = Type.Object({
  id: MediaIdSchema,
  media_category: CategorySchema,
  subtitles: Type.Object({ id: MediaIdSchema, language_code: LanguageCodeSchema, display_name: Type.String({ minLength: 1, maxLength: 100 }) }),
});

export const DeleteSubtitlesSchema = Type.Object({ id: MediaIdSchema, media_category: CategorySchema, language_code: LanguageCodeSchema });

const validateCreate = compileValidator(CreateSubtitlesSchema);
const validateDelete = compileValidator(DeleteSubtitlesSchema);

export interface SubtitlesRequest {
  videoId: string;
  category: SubtitledCategory;
}

export function parseCreateSubtitles(body: unknown): SubtitlesRequest & { track: SubtitleTrack } {
  const request = validateCreate(body);
  return {
    videoId: request.id,
    category: request.media_category,
    track: { mediaId: request.subtitles.id, languageCode: request.subtitles.language_code, displayName: request.subtitles.display_name },
  };
}

export function parseDeleteSubtitles(body: unknown): SubtitlesRequest & { languageCode: string } {
  const request = validateDelete(body);
  return { videoId: request.id, category: request.media_category, languageCode: request.language_code };
}

/** `{"data":{"id","media_category","associated_subtitles":[{display_name,id,language_code}]}}` (2.166's array). */
export function formatSubtitles(videoId: string, category: SubtitledCategory, tracks: readonly SubtitleTrack[]): unknown {
  return {
    data: {
      associated_subtitles: tracks.map((t) => ({ display_name: t.displayName, id: t.mediaId, language_code: t.languageCode })),
      id: videoId,
      media_category: category,
    },
  };
}
