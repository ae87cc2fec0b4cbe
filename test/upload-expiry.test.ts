import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { assertInvalidParameter } from './helpers/assertions.js';
import { get, postJson } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { insertMedia } from './helpers/media.js';
import { startServer, type TestServer } from './helpers/server.js';
import { ChunkedUploader } from './helpers/upload.js';

/** Media live `expires_after_secs`; then every endpoint treats them as unknown, and the sweeper reclaims them. */
describe('expiry', () => {
  let server: TestServer;
  let token: string;

  before(async () => {
    server = await startServer({ XMEDIA_MEDIA_EXPIRES_AFTER_SECS: '1', XMEDIA_SWEEP_INTERVAL_SECS: '1' });
    token = await server.token('alice');
  });
  after(() => server.close());

  function groupDir(id: string): string {
    return path.join(server.ctx.config.blobDir, id.slice(-2), id);
  }

  it('makes expired ids unknown everywhere, then deletes their rows and bytes', async () => {
    const up = new ChunkedUploader(server.url, token);
    const image = await uploadImage(server.url, token, png());
    assert.equal(image.status, 200);
    assert.equal(image.json.data.expires_after_secs, 1);
    const imageId = image.json.data.id as string;
    const session = await up.initialize({ media_type: 'image/png', total_bytes: 1000 });
    const sessionId = session.json.data.id as string;
    assert.equal((await up.append(sessionId, 0, png().subarray(0, 10))).status, 200);
    assert.ok(existsSync(groupDir(imageId)) && existsSync(groupDir(sessionId)));

    await sleep(1100);
    assertInvalidParameter(await up.status(imageId), 'media_id', 'BadRequest: Not found');
    assertInvalidParameter(await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: imageId, alt_text: { text: 'late' } }), 'media_id');
    assert.equal((await get(`${server.url}/2/media/3_${imageId}`, token)).json.errors[0].title, 'Not Found Error');
    assertInvalidParameter(await up.append(sessionId, 1, png().subarray(10, 20)), 'id', 'was not found');
    assertInvalidParameter(await up.finalize(sessionId), 'id', 'was not found');

    for (let i = 0; i < 50 && (existsSync(groupDir(imageId)) || existsSync(groupDir(sessionId))); i++) await sleep(100);
    assert.equal(existsSync(groupDir(imageId)), false, 'the image bytes are gone');
    assert.equal(existsSync(groupDir(sessionId)), false, 'the segments are gone');
    assert.equal(await server.ctx.store.getMedia(imageId), undefined);
    assert.deepEqual(await server.ctx.store.listSegments(sessionId), []);
  });

  it('finishes a sweep that died between deleting rows and deleting bytes', async () => {
    const image = await uploadImage(server.url, token, png());
    const id = image.json.data.id as string;
    await server.ctx.sweeper.stop();
    await sleep(1100);
    // A sweep that claimed the rows and died before touching the bytes: the ids stay recorded as garbage.
    assert.deepEqual(await server.ctx.store.collectExpiredMedia(Date.now(), 100), [id]);
    assert.ok(existsSync(groupDir(id)));
    assert.equal(await server.ctx.sweeper.sweepOnce(), 1);
    assert.equal(existsSync(groupDir(id)), false);
    assert.equal(await server.ctx.sweeper.sweepOnce(), 0);
    assert.deepEqual(readdirSync(server.ctx.config.blobDir).flatMap((d) => readdirSync(path.join(server.ctx.config.blobDir, d))), []);
  });

  it('stops a sweep under way after its current batch when the server shuts down', async () => {
    await Promise.all(Array.from({ length: 150 }, () => insertMedia(server, 'alice', { expiresAtMs: Date.now() - 1 })));
    const sweeping = server.ctx.sweeper.sweepOnce();
    await server.ctx.sweeper.stop();
    assert.equal(await sweeping, 100, 'one batch of 100, then it stopped');
    assert.equal((await server.ctx.store.collectExpiredMedia(Date.now(), 100)).length, 50, 'the rest is left for the next sweep');
  });
});
