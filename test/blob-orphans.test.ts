import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SnowflakeIds } from '../src/domain/ids.js';
import { blobKey } from '../src/storage/blobs/blob-store.js';
import { FsBlobStore } from '../src/storage/blobs/fs-blob-store.js';
import { png, uploadImage } from './helpers/images.js';
import { insertMedia } from './helpers/media.js';
import { startServer, tempDir, type TestServer } from './helpers/server.js';

const HOUR = 3_600_000;

/**
 * Blob groups no row names (an upload killed between its bytes and its row) are reclaimed by the sweeper once
 * their id is older than the media lifetime plus a margin of an hour; nothing with a row, nothing younger, and
 * nothing that is not named like a media id is touched.
 */
describe('orphan blobs', () => {
  let server: TestServer;
  // Ids made at chosen times, as an instance would have made them then.
  const idAt = (ms: number) => new SnowflakeIds().next(ms);

  before(async () => {
    // Lifetime one day (the default); the sweeper's timer is off, the test runs its sweeps.
    server = await startServer({ XMEDIA_MEDIA_EXPIRES_AFTER_SECS: '86400', XMEDIA_SWEEP_INTERVAL_SECS: '0' });
  });
  after(() => server.close());

  const blobDir = () => server.ctx.config.blobDir;
  const groupPath = (name: string) => path.join(blobDir(), name.split('.')[0]!.slice(-2), name);

  it('deletes old groups without a row, keeps those with a row, young ones and foreign names', async () => {
    const now = Date.now();
    const blobs = server.ctx.blobs;
    // Orphans: a chunked session's group, a one-shot blob, and a one-shot put killed before its rename.
    const oldGroup = idAt(now - 26 * HOUR);
    await blobs.put(blobKey(oldGroup, 'segment-00'), Buffer.from('stray'));
    const oldOneShot = idAt(now - 30 * HOUR);
    await blobs.put(oldOneShot, Buffer.from('one-shot'));
    const oldTemp = `${idAt(now - 48 * HOUR)}.tmp-0123456789ab`;
    mkdirSync(path.dirname(groupPath(oldTemp)), { recursive: true });
    writeFileSync(groupPath(oldTemp), 'half');
    // Kept: old but named by a row (live, and expired not yet swept), young without a row, a live upload, foreign.
    const withRow = idAt(now - 40 * HOUR);
    await insertMedia(server, 'alice', { id: withRow, createdAtMs: now - 40 * HOUR, expiresAtMs: now + HOUR });
    await blobs.put(withRow, Buffer.from('live'));
    const expiredRow = idAt(now - 50 * HOUR);
    await insertMedia(server, 'alice', { id: expiredRow, createdAtMs: now - 50 * HOUR, expiresAtMs: now - 26 * HOUR });
    await blobs.put(blobKey(expiredRow, 'segment-00'), Buffer.from('expired'));
    const young = idAt(now - 24 * HOUR - HOUR / 2); // past the lifetime, within the margin: an upload may be in flight
    await blobs.put(blobKey(young, 'segment-00'), Buffer.from('young'));
    const uploaded = await uploadImage(server.url, await server.token('alice'), png());
    assert.equal(uploaded.status, 200);
    const fresh = uploaded.json.data.id as string;
    mkdirSync(path.join(blobDir(), 'xx'), { recursive: true });
    writeFileSync(path.join(blobDir(), 'xx', 'notes.txt'), 'not ours');
    writeFileSync(path.join(blobDir(), 'README'), 'not ours');

    assert.equal(await server.ctx.sweeper.reclaimOrphans(), 3);
    for (const name of [oldGroup, oldOneShot, oldTemp]) assert.equal(existsSync(groupPath(name)), false, `${name} reclaimed`);
    for (const name of [withRow, expiredRow, young, fresh]) assert.ok(existsSync(groupPath(name)), `${name} kept`);
    assert.ok(existsSync(path.join(blobDir(), 'xx', 'notes.txt')) && existsSync(path.join(blobDir(), 'README')));
    assert.deepEqual(await server.ctx.blobs.get(fresh), png());
    assert.equal(await server.ctx.sweeper.reclaimOrphans(), 0, 'nothing left to reclaim');
  });

  it('scans on the first sweep, then not again within the hour', async () => {
    const orphan = idAt(Date.now() - 26 * HOUR);
    await server.ctx.blobs.put(blobKey(orphan, 'segment-00'), Buffer.from('stray'));
    await server.ctx.sweeper.sweepOnce();
    assert.equal(existsSync(groupPath(orphan)), false, 'the first sweep scanned');
    const later = idAt(Date.now() - 26 * HOUR);
    await server.ctx.blobs.put(blobKey(later, 'segment-00'), Buffer.from('stray'));
    await server.ctx.sweeper.sweepOnce();
    assert.ok(existsSync(groupPath(later)), 'the next scan is an hour away');
  });
});

describe('blob directories', () => {
  it('lets concurrent puts create the same new group and shard, and lists every group', async () => {
    const dir = path.join(tempDir(), 'not-yet', 'blobs');
    const blobs = new FsBlobStore(dir);
    const groups = ['1000', '2000', '3000', '1100'];
    const chunks = async function* (text: string) {
      yield Buffer.from(text);
    };
    // 16 streamed puts at once, 4 per group, all in one new shard of a blob directory that does not exist yet.
    const puts = groups.flatMap((group) => [0, 1, 2, 3].map((n) => blobs.putStream(blobKey(group, `segment-${n}`), chunks(`${group} ${n}`))));
    await Promise.all(puts);
    for (const group of groups) {
      for (let n = 0; n < 4; n++) assert.deepEqual(await blobs.get(blobKey(group, `segment-${n}`)), Buffer.from(`${group} ${n}`));
    }
    const listed: string[] = [];
    for await (const name of blobs.listGroups()) listed.push(name);
    assert.deepEqual(listed.sort(), [...groups].sort());
    assert.deepEqual(readdirSync(dir).sort(), ['00']);
    rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });
});
