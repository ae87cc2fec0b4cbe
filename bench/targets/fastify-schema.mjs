// Fastify 5 with a JSON schema for the seed body and a constant answer: the framework's own cost, no storage.
import Fastify from 'fastify';

const sticker = {
  type: 'object',
  properties: Object.fromEntries(
    ['aspect_ratio', 'group_annotation_id', 'sticker_set_annotation_id', 'transform_a', 'transform_b', 'transform_c', 'transform_d', 'transform_tx', 'transform_ty']
      .map((k) => [k, { type: 'number' }])
      .concat([['id', { type: 'string' }]]),
  ),
};
const schema = {
  body: {
    type: 'object',
    required: ['media_id'],
    properties: {
      media_id: { type: 'string', pattern: '^[0-9]{1,19}$' },
      alt_text: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 1000 } } },
      allow_download_status: { type: 'object', properties: { allow_download: { type: ['boolean', 'string'] } } },
      found_media_origin: { type: 'object', properties: { id: { type: 'string', maxLength: 24 }, provider: { type: 'string', maxLength: 8 } } },
      sticker_info: { type: 'object', properties: { stickers: { type: 'array', minItems: 1, maxItems: 25, items: sticker } } },
      upload_source: { type: 'object', properties: { text: { type: 'string' } } },
    },
  },
};
const app = Fastify({ logger: false });
app.post('/2/media/metadata/create', { schema }, async (request) => ({
  data: { id: request.body.media_id, associated_metadata: { alt_text: request.body.alt_text } },
}));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('ready\n');
