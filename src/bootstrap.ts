import { DEFAULT_APP_NAME } from './auth/credentials.js';
import { DEFAULT_USER_SCOPES } from './auth/principal.js';
import type { AppContext } from './context.js';

/** A 16×16 PNG gradient: the sample image uploaded for the dev user on first start. */
const SAMPLE_PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAABlklEQVR42hXR4RiFMQiG4Q9hCEMIYQghhDCEEIbwIIQQQgghDOHs9Lu7662+72N8zA/5WB/6YR/7wz/OBx/xkR/10R/34/sGYzAHMlgDHdhgD3xwBgxikIMa9OCOByZjMicyWROd2GRPfHImTGKSk5r05M4HhCFMQYQlqGDCFlw4AkIIKZTQwpUHFmMxF7JYC13YYi98cRYsYpGLWvTirgeUoUxFlKWoYspWXDkKSiiplNLK1QeMYUxDjGWoYcY23DgGRhhplNHGtQc2YzM3slkb3dhmb3xzNmxik5va9ObuB5zhTEec5ahjznbcOQ5OOOmU0871Bw7jMA9yWAc92GEf/HAOHOKQhzr04Z4H/s95534HfCd5S77YL8gb/Zr/FZBQ0HDf679gBDOQYAUaWLADD0782yPIoIIObjyQjGQmkqxEE0t24snJ//BIMqmkk5sPFKOYhRSr0MKKXXhx6h8liiyq6OLWA81oZiPNarSxZjfenP4Hjyabarq5/cBlXOZFLuuiF7vsi1/O/a8Zl7zUpS/38gNq4ZAQAX6pcwAAAABJRU5ErkJggg==';

export const DEV_USERNAME = 'dev';

/** The seed's own request body (../shared/seed), with a real media id in place of its example. */
export function seedRequestBody(mediaId: string): string {
  return JSON.stringify({
    allow_download_status: { allow_download: 'true' },
    alt_text: { text: 'dancing cat' },
    found_media_origin: { id: '<string>', provider: 'giphy' },
    media_id: mediaId,
    sticker_info: {
      stickers: [
        {
          aspect_ratio: 123,
          group_annotation_id: 123,
          id: '<string>',
          sticker_set_annotation_id: 123,
          transform_a: 123,
          transform_b: 123,
          transform_c: 123,
          transform_d: 123,
          transform_tx: 123,
          transform_ty: 123,
        },
      ],
    },
    upload_source: { text: '<string>' },
  });
}

/**
 * First start on an empty database: create the dev user, a token for it and a sample image, so the printed
 * curl works when pasted. Returns what to print, or a shorter hint on later starts.
 */
export async function firstStartHint(ctx: AppContext): Promise<string> {
  const base = ctx.config.publicUrl;
  if (!ctx.config.devBootstrap || (await ctx.store.countUsers()) > 0) {
    return [
      `xmedia is serving the X API v2 media endpoints at ${base}`,
      `Get a token:  npx xmedia token create --user ${DEV_USERNAME}`,
    ].join('\n');
  }
  const user = await ctx.credentials.ensureUser(DEV_USERNAME);
  const app = await ctx.credentials.ensureApp(DEFAULT_APP_NAME);
  const token = await ctx.credentials.issueUserToken(user, app, DEFAULT_USER_SCOPES, null);
  const sample = await ctx.uploads.uploadOneShot(
    { userId: user.id, appId: app.id },
    { bytes: Buffer.from(SAMPLE_PNG_BASE64, 'base64'), category: 'tweet_image', additionalOwners: [], shared: false },
  );
  return [
    `xmedia is serving the X API v2 media endpoints at ${base}`,
    '',
    `First start: created user "${DEV_USERNAME}", a token for it (shown only now), and a sample image ${sample.id}.`,
    '',
    'Attach metadata to the sample image (the seed request):',
    '',
    `curl --request POST --url ${base}/2/media/metadata/create --header 'Authorization: Bearer ${token}' --header 'Content-Type: application/json' --data '${seedRequestBody(sample.id)}'`,
    '',
    'Upload your own image:',
    '',
    `curl --request POST --url ${base}/2/media/upload --header 'Authorization: Bearer ${token}' --form media=@cat.jpg --form media_category=tweet_image`,
    '',
    `More tokens:  npx xmedia token create --user ${DEV_USERNAME}`,
  ].join('\n');
}
