import fastJson from 'fast-json-stringify';
import type {
  AudiencePolicy,
  FoundMediaOrigin,
  GeoRestrictions,
  MediaMetadata,
  PreviewImage,
  SensitiveMediaWarning,
  Sticker,
} from '../../domain/metadata.js';

/**
 * The `metadata` column's JSON, written by a serializer compiled from the model's schema: V8's JSON.stringify
 * (Node 20) takes ~800 ns for the seed's metadata, this ~270 ns, on the write every client sends most
 * (docs/PERFORMANCE.md, seventh pass). Keys come out in the schema's order; what is read back is the same object
 * (test/storage/metadata-json.test.ts, with every key set). The schemas are typed by the model's keys, so a key
 * added to the model without one here does not compile, instead of silently not being stored.
 */
const string = { type: 'string' } as const;
const number = { type: 'number' } as const;
const boolean = { type: 'boolean' } as const;
const strings = { type: 'array', items: string } as const;
const object = <T>(properties: Record<keyof T, object>) => ({ type: 'object', properties });

const METADATA = object<MediaMetadata>({
  altText: string,
  allowDownload: boolean,
  foundMediaOrigin: object<FoundMediaOrigin>({ provider: string, id: string }),
  stickers: {
    type: 'array',
    items: object<Sticker>({
      id: string,
      aspect_ratio: number,
      group_annotation_id: number,
      sticker_set_annotation_id: number,
      transform_a: number,
      transform_b: number,
      transform_c: number,
      transform_d: number,
      transform_tx: number,
      transform_ty: number,
    }),
  },
  uploadSource: string,
  audiencePolicy: object<AudiencePolicy>({ creatorSubscriptions: strings, xSubscriptions: strings }),
  contentExpiresAtSec: number,
  domainWhitelist: strings,
  geoRestrictions: object<GeoRestrictions>({ whitelist: strings, blacklist: strings }),
  managed: boolean,
  previewImage: object<PreviewImage>({ mediaId: string, mediaCategory: string }),
  sensitiveMediaWarning: object<SensitiveMediaWarning>({ adultContent: boolean, graphicViolence: boolean, other: boolean }),
  sharedInDms: boolean,
});

let compiled: ((metadata: MediaMetadata) => string) | undefined;

/** Compiled on first use: compiling costs start-up time. */
export function stringifyMetadata(metadata: MediaMetadata): string {
  compiled ??= fastJson(METADATA as fastJson.AnySchema) as (metadata: MediaMetadata) => string;
  return compiled(metadata);
}
