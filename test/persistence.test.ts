import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FsBlobStore } from '../src/storage/blobs/fs-blob-store.js';
import { get, postJson } from './helpers/http.js';
import { png, uploadImage } from './helpers/images.js';
import { runCli, serverProcesses, type ServerProcess } from './helpers/process.js';

/**
 * "A write answered 200 survives kill -9": the real server process (`node dist/main.js`) on a data directory,
 * killed with SIGKILL the moment its answers arrive, then started again on the same directory.
 */
describe('persistence across restarts', () => {
  const processes = serverProcesses('xmedia-persist-');
  const start = (dataDir: string): Promise<ServerProcess> => processes.start(dataDir, { XMEDIA_DEV_BOOTSTRAP: 'off' });

  async function freshDataDir(): Promise<{ dataDir: string; token: string }> {
    const dataDir = processes.dataDir();
    const cli = await runCli(['token', 'create', '--user', 'alice'], dataDir);
    assert.equal(cli.code, 0, cli.stderr);
    return { dataDir, token: cli.stdout.trim().split('\n').at(-1)! };
  }

  it('keeps every write answered 200 when the server is killed with SIGKILL right after', async () => {
    const { dataDir, token } = await freshDataDir();
    let server = await start(dataDir);
    const images = await Promise.all(Array.from({ length: 10 }, (_, n) => uploadImage(server.url, token, png(n + 1, n + 2))));
    assert.ok(images.every((u) => u.status === 200));
    const ids: string[] = images.map((u) => u.json.data.id);
    // Concurrent writes, half through each route, so they share transactions; the kill follows the last 200.
    const writes = await Promise.all(
      ids.map((id, n) =>
        n % 2 === 0
          ? postJson(`${server.url}/2/media/metadata/create`, token, { media_id: id, alt_text: { text: `cat ${n}` }, upload_source: { text: 'gallery' } })
          : postJson(`${server.url}/2/media/metadata`, token, { id, metadata: { alt_text: { text: `cat ${n}` }, shared_info: { shared: true } } }),
      ),
    );
    assert.ok(writes.every((w) => w.status === 200), writes.map((w) => w.text).join('\n'));
    const last = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: ids[0], alt_text: { text: 'the last word' } });
    assert.equal(last.status, 200);
    await server.kill();

    server = await start(dataDir);
    const keys = images.map((u) => u.json.data.media_key as string);
    const lookup = await get(`${server.url}/2/media?media_keys=${keys.join(',')}&media.fields=alt_text,width,height`, token);
    assert.equal(lookup.status, 200, lookup.text);
    assert.deepEqual(
      lookup.json.data,
      keys.map((key, n) => ({ media_key: key, type: 'photo', width: n + 1, height: n + 2, alt_text: n === 0 ? 'the last word' : `cat ${n}` })),
    );
    const wrapped = await postJson(`${server.url}/2/media/metadata`, token, { id: ids[1] });
    assert.deepEqual(wrapped.json.data.associated_metadata, { alt_text: { text: 'cat 1' }, shared_info: { shared: true } });
    const flat = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: ids[2] });
    assert.deepEqual(flat.json.data.associated_metadata, { alt_text: { text: 'cat 2' }, upload_source: { text: 'gallery' } });
    const blobs = new FsBlobStore(path.join(dataDir, 'blobs'));
    for (const [n, id] of ids.entries()) assert.deepEqual(await blobs.get(id), png(n + 1, n + 2), `the bytes of ${id} survived`);
    await server.kill();
  });

  it('keeps everything across a clean stop (SIGTERM exits 0) and start', async () => {
    const { dataDir, token } = await freshDataDir();
    let server = await start(dataDir);
    const upload = await uploadImage(server.url, token, png());
    const id: string = upload.json.data.id;
    const written = await postJson(`${server.url}/2/media/metadata`, token, {
      id,
      metadata: { alt_text: { text: 'survives' }, geo_restrictions: { blacklisted_country_codes: ['fr'] } },
    });
    assert.equal(written.status, 200);
    assert.equal(await server.stop(), 0);

    server = await start(dataDir);
    const again = await postJson(`${server.url}/2/media/metadata`, token, { id });
    assert.equal(again.text, written.text);
    const lookup = await get(`${server.url}/2/media/${upload.json.data.media_key}?media.fields=alt_text`, token);
    assert.deepEqual(lookup.json, { data: { media_key: upload.json.data.media_key, type: 'photo', alt_text: 'survives' } });
    assert.equal(await server.stop(), 0);
  });
});
