import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { seedRequestBody } from '../src/bootstrap.js';
import { get, postJson, request } from './helpers/http.js';
import { png } from './helpers/images.js';
import { createTestSchema, postgresUnavailable, type TestSchema } from './helpers/postgres.js';
import { ensureBuilt, runCli, startServerProcess, type ServerProcess } from './helpers/process.js';
import { redisUnavailable, TEST_REDIS_URL } from './helpers/redis.js';
import { tempDir } from './helpers/server.js';
import { ChunkedUploader } from './helpers/upload.js';
import { mp4 } from './helpers/video.js';

/**
 * Issue 5's deployment, for real: three `node dist/main.js` processes on three ports sharing one PostgreSQL
 * schema, one Redis and one blob directory, each with its own (unused) data directory, like stateless
 * instances behind a load balancer.
 */
const skip = (await postgresUnavailable()) ?? (await redisUnavailable());
const RATE_LIMIT = 12;

describe('three instances sharing PostgreSQL, Redis and a blob directory', { skip }, () => {
  let schema: TestSchema;
  let blobDir: string;
  const dataDirs: string[] = [];
  let instances: ServerProcess[];
  let env: NodeJS.ProcessEnv;

  before(async () => {
    await ensureBuilt();
    schema = await createTestSchema();
    blobDir = tempDir('xmedia-shared-blobs-');
    env = {
      DATABASE_URL: schema.url,
      REDIS_URL: TEST_REDIS_URL,
      XMEDIA_REDIS_PREFIX: `xmedia-test-${randomBytes(6).toString('hex')}:`,
      XMEDIA_SECRET_KEY: randomBytes(32).toString('base64'),
      XMEDIA_BLOB_DIR: blobDir,
      XMEDIA_RATE_LIMIT_MEDIA_LOOKUP: `${RATE_LIMIT}/100000`,
      XMEDIA_PROCESSING_PENDING_MS: '0',
      XMEDIA_PROCESSING_MS: '200',
    };
    // Started together: the migration lock must let exactly one of them create the schema.
    instances = await Promise.all(
      [0, 1, 2].map(() => {
        const dataDir = tempDir('xmedia-instance-');
        dataDirs.push(dataDir);
        return startServerProcess(dataDir, env);
      }),
    );
  });

  after(async () => {
    await Promise.all((instances ?? []).map((i) => i.stop()));
    await schema?.drop();
    for (const dir of [blobDir, ...dataDirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function tokenFor(username: string): Promise<string> {
    const created = await runCli(['token', 'create', '--user', username], dataDirs[0]!, env);
    assert.equal(created.code, 0, created.stderr);
    return created.stdout.trim().split('\n').at(-1)!;
  }

  it('creates the dev user once, whichever instance started first', async () => {
    const printedTokens = instances.filter((i) => i.stdout().includes('First start')).length;
    assert.ok(printedTokens >= 1, 'some instance bootstrapped the dev user');
    const users = await runCli(['user', 'list', '--json'], dataDirs[1]!, env);
    assert.equal((JSON.parse(users.stdout) as { username: string }[]).filter((u) => u.username === 'dev').length, 1);
  });

  it('takes one chunked upload spread across all three, and serves it from each', async () => {
    const token = await tokenFor('alice');
    const video = await mp4({ seconds: 2 });
    const chunk = Math.ceil(video.length / 5);
    const on = (n: number) => new ChunkedUploader(instances[n % 3]!.url, token);
    const init = await on(0).initialize({ media_type: 'video/mp4', total_bytes: video.length, media_category: 'tweet_video' });
    assert.equal(init.status, 200, init.text);
    const id = init.json.data.id as string;
    for (let i = 0; i * chunk < video.length; i++) {
      const appended = await on(i + 1).append(id, i, video.subarray(i * chunk, (i + 1) * chunk));
      assert.equal(appended.status, 200, `append ${i} on instance ${(i + 1) % 3}: ${appended.text}`);
    }
    const finalized = await on(2).finalize(id);
    assert.equal(finalized.status, 200, finalized.text);
    let state = '';
    for (let attempt = 0; attempt < 50 && state !== 'succeeded'; attempt++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await on(attempt).status(id)).json.data.processing_info?.state;
    }
    assert.equal(state, 'succeeded');
    for (const instance of instances) {
      const found = await get(`${instance.url}/2/media/7_${id}?media.fields=duration_ms,width,height`, token);
      assert.deepEqual(found.json.data, { media_key: `7_${id}`, type: 'video', width: 320, height: 240, duration_ms: 2000 });
    }
  });

  it('reads metadata written through any instance back through every other', async () => {
    const token = await tokenFor('bob');
    const upload = await request(`${instances[0]!.url}/2/media/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ media: png().toString('base64'), media_category: 'tweet_image' }),
    });
    const id = upload.json.data.id as string;
    const seeded = await postJson(`${instances[1]!.url}/2/media/metadata/create`, token, seedRequestBody(id));
    assert.equal(seeded.status, 200, seeded.text);
    const wrapped = await postJson(`${instances[2]!.url}/2/media/metadata`, token, {
      id,
      metadata: { alt_text: { text: 'written on the third' }, shared_info: { shared: true } },
    });
    assert.equal(wrapped.status, 200, wrapped.text);
    for (const instance of instances) {
      const read = await get(`${instance.url}/2/media/3_${id}?media.fields=alt_text`, token);
      assert.equal(read.json.data.alt_text, 'written on the third');
      const again = await postJson(`${instance.url}/2/media/metadata`, token, { id });
      assert.equal(again.text, wrapped.text, 'the same whole metadata from every instance');
    }
  });

  it('lands concurrent upserts of different keys sent through different instances', async () => {
    const token = await tokenFor('carol');
    const upload = await request(`${instances[1]!.url}/2/media/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ media: png().toString('base64'), media_category: 'tweet_image' }),
    });
    const id = upload.json.data.id as string;
    const keys: Record<string, unknown> = {
      allow_download_status: { allow_download: true },
      alt_text: { text: 'cat' },
      audience_policy: { x_subscriptions: ['Any'] },
      content_expiration: { timestamp_sec: 1740787200 },
      domain_restrictions: { whitelist: ['example.com'] },
      found_media_origin: { id: 'u5BzatR15TZ04', provider: 'giphy' },
      geo_restrictions: { whitelisted_country_codes: ['us'], blacklisted_country_codes: [] },
      management_info: { managed: false },
      preview_image: { media_key: { media: id, media_category: 'TweetImage' } },
      sensitive_media_warning: { adult_content: false, graphic_violence: false, other: true },
      shared_info: { shared: false },
      sticker_info: { stickers: [{ id: 's1', aspect_ratio: 1.5 }] },
      upload_source: { upload_source: 'gallery' },
    };
    // Every key three times, each time through another instance, all at once.
    const sends = Object.entries(keys).flatMap(([key, value], n) =>
      [0, 1, 2].map((k) => postJson(`${instances[(n + k) % 3]!.url}/2/media/metadata`, token, { id, metadata: { [key]: value } })),
    );
    const answers = await Promise.all(sends);
    assert.deepEqual(
      answers.map((a) => a.status),
      answers.map(() => 200),
    );
    const final = await postJson(`${instances[0]!.url}/2/media/metadata`, token, { id });
    assert.deepEqual(Object.keys(final.json.data.associated_metadata).sort(), Object.keys(keys).sort());
  });

  it(`shares one rate limit of ${RATE_LIMIT} exactly across the instances under concurrent load`, async () => {
    const token = await tokenFor('dave');
    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, n) => get(`${instances[n % 3]!.url}/2/media?media_keys=3_1`, token)),
    );
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 200).length, RATE_LIMIT);
    assert.equal(statuses.filter((s) => s === 429).length, 45 - RATE_LIMIT);
    const remaining = answers.map((a) => Number(a.headers.get('x-rate-limit-remaining'))).sort((a, b) => a - b);
    assert.deepEqual(remaining.slice(-RATE_LIMIT), Array.from({ length: RATE_LIMIT }, (_, n) => n), 'each admitted request saw its own count');
    assert.equal(new Set(answers.map((a) => a.headers.get('x-rate-limit-reset'))).size, 1, 'one window, one reset');
  });

  it('`xmedia migrate` finds the shared schema up to date', async () => {
    const migrated = await runCli(['migrate', '--json'], dataDirs[2]!, env);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.deepEqual(JSON.parse(migrated.stdout), { backend: 'postgres', schema_version: 3 });
  });

  it('reports the database and Redis on /health', async () => {
    for (const instance of instances) {
      const health = await get(`${instance.url}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(health.json, { status: 'ok', database: 'postgres', redis: 'ok' });
    }
  });
});
