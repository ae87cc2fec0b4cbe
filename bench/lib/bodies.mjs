// The seed's request bodies, as every write scenario sends them.

export const SEED_METADATA_DOMAIN = {
  allowDownload: true,
  altText: 'dancing cat',
  foundMediaOrigin: { id: '<string>', provider: 'giphy' },
  stickers: [{ aspect_ratio: 123, group_annotation_id: 123, id: '<string>', sticker_set_annotation_id: 123, transform_a: 123, transform_b: 123, transform_c: 123, transform_d: 123, transform_tx: 123, transform_ty: 123 }],
  uploadSource: '<string>',
};

/**
 * The seed's full body, except `allow_download` as the JSON boolean X's schema types it: the seed's own
 * string "true" would make Prism (which validates against X's schema) answer 422 instead of mocking a 200.
 */
export function seedBody(mediaId, altText = 'dancing cat') {
  return JSON.stringify({
    allow_download_status: { allow_download: true },
    alt_text: { text: altText },
    found_media_origin: { id: '<string>', provider: 'giphy' },
    media_id: mediaId,
    sticker_info: { stickers: SEED_METADATA_DOMAIN.stickers },
    upload_source: { text: '<string>' },
  });
}

/**
 * Every write must change what is stored: a write identical to the stored row can cost the database nothing.
 * So each request gets the seed's full body with its own alt text ("dancing cat 1234", from one counter shared
 * by all targets) and the next of `mediaIds` in turn. Three string concatenations per request: cheap enough
 * that the load generator is not what is measured.
 */
let writeCounter = 0;
export function distinctSeedBodies(mediaIds) {
  const sample = seedBody('MEDIA_ID', 'ALT_TEXT');
  const [head, rest] = sample.split('ALT_TEXT');
  const [middle, tail] = rest.split('MEDIA_ID');
  return () => {
    const n = ++writeCounter;
    return head + 'dancing cat ' + n + middle + mediaIds[n % mediaIds.length] + tail;
  };
}
