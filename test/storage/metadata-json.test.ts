import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaMetadata } from '../../src/domain/metadata.js';
import { stringifyMetadata } from '../../src/storage/sqlite/metadata-json.js';

/**
 * The SQLite store writes the metadata column with a compiled serializer (src/storage/sqlite/metadata-json.ts)
 * instead of JSON.stringify: whatever it writes must read back as the very object that was stored.
 */
describe('the metadata column JSON', () => {
  const every: Required<MediaMetadata> = {
    altText: 'a "quoted" \\ back\\slashed, tab\t, newline\n, NUL\u0000, lone surrogate \ud800, emoji 🐈, </script>',
    allowDownload: false,
    foundMediaOrigin: { provider: 'giphy', id: 'x\u2028y' },
    stickers: [
      {
        id: 'sticker',
        aspect_ratio: 1.7777777777777777,
        group_annotation_id: 9007199254740991,
        sticker_set_annotation_id: 0,
        transform_a: -0.5,
        transform_b: 1e-7,
        transform_c: 1e21,
        transform_d: 3,
        transform_tx: -12.25,
        transform_ty: 100,
      },
      { id: 'partial', transform_a: 2 },
      {},
    ],
    uploadSource: 'gallery',
    audiencePolicy: { creatorSubscriptions: ['Any'], xSubscriptions: [] },
    contentExpiresAtSec: 1_790_000_000,
    domainWhitelist: ['example.com', 'ünïcödé.example'],
    geoRestrictions: { whitelist: ['us', 'DE'], blacklist: [] },
    managed: true,
    previewImage: { mediaId: '1146654567674912769', mediaCategory: 'TweetImage' },
    sensitiveMediaWarning: { adultContent: true, graphicViolence: false, other: true },
    sharedInDms: false,
  };

  it('reads back every key of the model as stored, strings and numbers exactly', () => {
    assert.deepEqual(JSON.parse(stringifyMetadata(every)), every);
  });

  it('reads back what JSON.stringify would have written, for partial metadata too', () => {
    const samples: MediaMetadata[] = [{}, { altText: 'dancing cat' }, { stickers: [] }, { sensitiveMediaWarning: {} }, every];
    for (const metadata of samples) assert.deepEqual(JSON.parse(stringifyMetadata(metadata)), JSON.parse(JSON.stringify(metadata)));
  });

  it('leaves out keys whose value is undefined, as JSON.stringify does', () => {
    assert.equal(stringifyMetadata({ altText: undefined, managed: true }), '{"managed":true}');
  });
});
