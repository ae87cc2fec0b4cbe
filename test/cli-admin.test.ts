import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { get, request } from './helpers/http.js';
import { png } from './helpers/images.js';
import { Browser, CALLBACK, oauth1Header, readForm } from './helpers/oauth.js';
import { startServer, type TestServer } from './helpers/server.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions navigate freely
}

/** `xmedia` itself, run from source against the test server's data directory while the server runs. */
function xmedia(server: TestServer, args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, XMEDIA_DATA_DIR: server.dataDir, XMEDIA_LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(stdin ?? '');
  });
}

describe('xmedia CLI', () => {
  let server: TestServer;
  let app: CliResult['json'];

  before(async () => {
    server = await startServer();
    app = (await xmedia(server, ['app', 'create', '--name', 'cli-app', '--callback', CALLBACK, '--json'])).json;
  });
  after(() => server.close());

  function uploadSigned(keys: { consumerKey: string; consumerSecret: string; token: string; tokenSecret: string }) {
    const url = `${server.url}/2/media/upload`;
    return request(url, {
      method: 'POST',
      headers: { authorization: oauth1Header(keys, { url, method: 'POST' }), 'content-type': 'application/json' },
      body: JSON.stringify({ media: png().toString('base64'), media_category: 'tweet_image' }),
    });
  }

  it('app create prints every credential once; app list shows none of the secrets', async () => {
    for (const key of ['id', 'client_id', 'client_secret', 'consumer_key', 'consumer_secret']) assert.equal(typeof app[key], 'string', key);
    assert.equal(app.type, 'confidential');
    assert.deepEqual(app.callback_urls, [CALLBACK]);
    const listed = (await xmedia(server, ['app', 'list', '--json'])).json.find((a: { name: string }) => a.name === 'cli-app');
    assert.equal(listed.client_id, app.client_id);
    assert.equal(listed.client_secret, undefined);
    assert.equal(listed.consumer_secret, undefined);
    const human = await xmedia(server, ['app', 'create', '--name', 'public-app', '--public']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^client_id: /m);
    assert.doesNotMatch(human.stdout, /client_secret/);
    assert.match(human.stdout, /^consumer_secret: /m);
  });

  it('user create with a password from stdin lets the user sign in on the consent page', async () => {
    const created = await xmedia(server, ['user', 'create', '--name', 'carol', '--password-stdin', '--json'], 'a long passphrase\n');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json.username, 'carol');
    assert.equal(created.json.password, undefined, 'a password given is not echoed');
    const browser = new Browser(server.url);
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: CALLBACK,
      scope: 'media.write',
      state: 's',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'plain',
    });
    const { action, csrf } = readForm(await (await browser.get(`/i/oauth2/authorize?${query}`)).text());
    const signedIn = await browser.post(action, { csrf_token: csrf, action: 'sign_in', username: 'carol', password: 'a long passphrase' });
    assert.equal(signedIn.status, 303);

    const generated = await xmedia(server, ['user', 'create', '--name', 'dave', '--json']);
    assert.equal(typeof generated.json.password, 'string');
    const users = (await xmedia(server, ['user', 'list', '--json'])).json as { username: string; has_password: boolean }[];
    assert.deepEqual(users.filter((u) => ['carol', 'dave'].includes(u.username)).map((u) => u.has_password), [true, true]);
    assert.equal((await xmedia(server, ['user', 'create', '--name', 'carol'])).code, 2, 'an existing name is refused');
  });

  it('token create --oauth1 prints credentials that sign requests; token revoke stops them', async () => {
    const created = await xmedia(server, ['token', 'create', '--oauth1', '--app', app.client_id, '--user', 'carol', '--json']);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.json.consumer_key, app.consumer_key);
    const keys = {
      consumerKey: app.consumer_key,
      consumerSecret: app.consumer_secret,
      token: created.json.access_token,
      tokenSecret: created.json.access_token_secret,
    };
    assert.equal((await uploadSigned(keys)).status, 200);
    const listed = (await xmedia(server, ['token', 'list', '--user', 'carol', '--json'])).json as { id: string; kind: string; status: string }[];
    assert.ok(listed.some((t) => t.id === keys.token && t.kind === 'oauth1' && t.status === 'live'));
    const revoked = await xmedia(server, ['token', 'revoke', '--token', keys.token, '--json']);
    assert.deepEqual(revoked.json, { revoked: true, kind: 'OAuth 1.0a token' });
    assert.equal((await uploadSigned(keys)).status, 401);
  });

  it('token create, list and revoke --id for bearer tokens', async () => {
    const created = await xmedia(server, ['token', 'create', '--user', 'carol', '--scopes', 'tweet.read', '--json']);
    assert.deepEqual(created.json.scopes, ['tweet.read']);
    const token = created.json.token as string;
    assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, token)).status, 200);
    const listed = (await xmedia(server, ['token', 'list', '--user', 'carol', '--json'])).json as { id: string; kind: string; scopes: string[] }[];
    const entry = listed.find((t) => t.kind === 'user' && t.scopes.join() === 'tweet.read');
    assert.ok(entry, JSON.stringify(listed));
    assert.doesNotMatch(JSON.stringify(listed), new RegExp(token), 'bearer tokens are never shown again');
    assert.equal((await xmedia(server, ['token', 'revoke', '--id', entry.id])).code, 0);
    assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, token)).status, 401);
    assert.equal((await xmedia(server, ['token', 'revoke', '--id', entry.id])).code, 2, 'nothing live matches any more');
  });

  it('app delete takes its tokens with it; user delete removes the user', async () => {
    const created = await xmedia(server, ['token', 'create', '--oauth1', '--app', 'cli-app', '--user', 'carol', '--json']);
    const keys = { consumerKey: app.consumer_key, consumerSecret: app.consumer_secret, token: created.json.access_token, tokenSecret: created.json.access_token_secret };
    assert.equal((await uploadSigned(keys)).status, 200);
    const deleted = await xmedia(server, ['app', 'delete', '--app', app.client_id, '--json']);
    assert.equal(deleted.json.deleted, true);
    assert.equal((await uploadSigned(keys)).status, 401);
    assert.equal((await xmedia(server, ['user', 'delete', '--name', 'dave'])).code, 0);
    const users = (await xmedia(server, ['user', 'list', '--json'])).json as { username: string }[];
    assert.ok(!users.some((u) => u.username === 'dave'));
  });

  it('mistakes exit with 2 and the usage', async () => {
    const missing = await xmedia(server, ['app', 'create']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /usage: xmedia app create/);
    assert.equal((await xmedia(server, ['app', 'create', '--name', 'x', '--callback', 'not a url'])).code, 2);
    assert.equal((await xmedia(server, ['token', 'create', '--app-only', '--oauth1'])).code, 2);
  });
});
