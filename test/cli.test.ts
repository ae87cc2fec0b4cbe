import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProblem, FORBIDDEN_BODY, seedResponse, UNSUPPORTED_AUTHENTICATION_BODY } from './helpers/assertions.js';
import { get, postJson } from './helpers/http.js';
import { jpeg, png, uploadImage } from './helpers/images.js';
import { ensureBuilt, run, runCli, startServerProcess, type ServerProcess } from './helpers/process.js';
import { tempDir } from './helpers/server.js';

const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1)!;

/** The `xmedia` command and the first start of `node dist/main.js`, as real processes on a shared data directory. */
describe('xmedia CLI', () => {
  let dataDir: string;
  let server: ServerProcess;

  before(async () => {
    await ensureBuilt();
    dataDir = tempDir('xmedia-cli-');
    server = await startServerProcess(dataDir, { XMEDIA_DEV_BOOTSTRAP: 'off' });
  });
  after(async () => {
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('token create --user prints a token as the last line of stdout that the running server takes', async () => {
    const created = await runCli(['token', 'create', '--user', 'bob'], dataDir);
    assert.equal(created.code, 0, created.stderr);
    const token = lastLine(created.stdout);
    assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
    assert.match(created.stderr, /^kind: user$/m, "what was issued goes to stderr, the secret alone to stdout");
    const upload = await uploadImage(server.url, token, png());
    assert.equal(upload.status, 200);
    const metadata = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: upload.json.data.id, alt_text: { text: 'by bob' } });
    assert.equal(metadata.status, 200, metadata.text);
    const lookup = await get(`${server.url}/2/media/${upload.json.data.media_key}?media.fields=alt_text`, token);
    assert.equal(lookup.json.data.alt_text, 'by bob');

    const second = lastLine((await runCli(['token', 'create', '--user', 'bob'], dataDir)).stdout);
    assert.notEqual(second, token, 'every call issues a new token');
    assert.equal((await get(`${server.url}/2/media/${upload.json.data.media_key}`, second)).json.data.media_key, upload.json.data.media_key, 'for the same user');
  });

  it('token create --scopes limits what the token may do', async () => {
    const created = await runCli(['token', 'create', '--user', 'reader', '--scopes', 'tweet.read users.read'], dataDir);
    assert.equal(created.code, 0, created.stderr);
    const token = lastLine(created.stdout);
    assertProblem(await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: '1' }), 403, FORBIDDEN_BODY);
    assert.equal((await get(`${server.url}/2/media/3_1`, token)).status, 200);
  });

  it('token create --app-only prints an app-only token, which user endpoints refuse with 403', async () => {
    const created = await runCli(['token', 'create', '--app-only'], dataDir);
    assert.equal(created.code, 0, created.stderr);
    const token = lastLine(created.stdout);
    for (const path of ['/2/media/metadata/create', '/2/media/metadata', '/2/media/upload']) {
      assertProblem(await postJson(`${server.url}${path}`, token, { media_id: '1', id: '1' }), 403, UNSUPPORTED_AUTHENTICATION_BODY);
    }
  });

  it('exits 2 with the usage on bad usage', async () => {
    const bad = [
      ['token', 'create'],
      ['token', 'create', '--user', 'bob', '--app-only'],
      ['token', 'create', '--user'],
      ['token', 'create', '--user', 'not a name!'],
      ['token', 'create', '--user', 'bob', '--bogus'],
      ['token', 'create', '--user', 'bob', '--scopes', 'media.write nonsense.scope'],
      ['token', 'create', '--user', 'bob', '--expires-in', '-5'],
      ['token', 'create', '--user', 'bob', 'extra'],
      ['token', 'frobnicate'],
      ['frobnicate'],
    ];
    for (const args of bad) {
      const result = await runCli(args, dataDir);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '', `${args.join(' ')} prints no token`);
      assert.match(result.stderr, /usage/);
    }
    const help = await runCli(['--help'], dataDir);
    assert.equal(help.code, 0);
    assert.match(help.stderr, /xmedia token create/);
  });
});

describe('first start', () => {
  let dataDir: string;
  let workDir: string;
  let server: ServerProcess | undefined;

  before(async () => {
    await ensureBuilt();
    dataDir = tempDir('xmedia-first-');
    workDir = tempDir('xmedia-curl-');
  });
  after(async () => {
    await server?.kill();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  it('prints curl lines that work as printed, and only on the first start', async () => {
    server = await startServerProcess(dataDir, { XMEDIA_DEV_BOOTSTRAP: 'on' });
    const printed = server.stdout();
    const curlLines = printed.split('\n').filter((line) => line.startsWith('curl '));
    const seedLine = curlLines.find((line) => line.includes('/2/media/metadata/create'));
    const uploadLine = curlLines.find((line) => line.includes('/2/media/upload'));
    assert.ok(seedLine && uploadLine, printed);
    const sampleId = /sample image (\d{19})/.exec(printed)?.[1];
    assert.ok(sampleId, printed);

    // Run each line exactly as printed. curl reads ~/.curlrc, which here only makes it print the status too.
    writeFileSync(path.join(workDir, '.curlrc'), 'silent\nwrite-out = "\\n%{http_code}"\n');
    writeFileSync(path.join(workDir, 'cat.jpg'), jpeg());
    const curl = async (line: string): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const result = await run('bash', ['-c', line], { cwd: workDir, env: { ...process.env, HOME: workDir } });
      assert.equal(result.code, 0, result.stderr);
      const cut = result.stdout.lastIndexOf('\n');
      return { status: Number(result.stdout.slice(cut + 1)), body: JSON.parse(result.stdout.slice(0, cut)) };
    };
    const seed = await curl(seedLine);
    assert.equal(seed.status, 200);
    assert.deepEqual(seed.body, seedResponse(sampleId));
    const upload = await curl(uploadLine);
    assert.equal(upload.status, 200);
    assert.deepEqual(upload.body.data.image, { image_type: 'image/jpeg', w: 1, h: 1 });

    const token = /Bearer ([A-Za-z0-9_-]+)/.exec(seedLine)![1]!;
    assert.equal(await server.stop(), 0);
    server = await startServerProcess(dataDir, { XMEDIA_DEV_BOOTSTRAP: 'on' });
    const second = server.stdout();
    assert.ok(!second.includes(token), 'the token is shown only once');
    assert.ok(!/Bearer|curl /.test(second), second);
    assert.match(second, /xmedia token create --user dev/);
    const stillWorks = await postJson(`${server.url}/2/media/metadata/create`, token, { media_id: sampleId });
    assert.equal(stillWorks.json.data.associated_metadata.alt_text.text, 'dancing cat', 'the first start’s writes and token persist');
  });
});
