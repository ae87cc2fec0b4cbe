import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiResponseError } from 'twitter-api-v2';
import { get, request } from './helpers/http.js';
import { png } from './helpers/images.js';
import { Browser, CALLBACK, consent, createApp, createUser, readForm, twitterClient } from './helpers/oauth.js';
import { startServer, type TestServer } from './helpers/server.js';

const SCOPES = ['tweet.read', 'users.read', 'media.write', 'offline.access'];

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizePath(clientId: string, options: Record<string, string> = {}, path = '/i/oauth2/authorize'): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: CALLBACK,
    scope: SCOPES.join(' '),
    state: 'state-123',
    code_challenge_method: 'S256',
    ...options,
  });
  return `${path}?${query}`;
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function postForm(url: string, fields: Record<string, string>, authorization?: string) {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization && { authorization }) },
    body: new URLSearchParams(fields).toString(),
  });
}

async function expectApiError(promise: Promise<unknown>, status: number): Promise<ApiResponseError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiResponseError, String(error));
    assert.equal(error.code, status, JSON.stringify(error.data));
    return error;
  }
  assert.fail(`expected HTTP ${status}`);
}

describe('OAuth 2.0 authorization code with PKCE', () => {
  let server: TestServer;

  before(async () => {
    server = await startServer();
    await createUser(server, 'alice');
  });
  after(() => server.close());

  /** Approves an authorization request as alice and returns the code from the redirect. */
  async function codeFor(clientId: string, challenge: string, options: Record<string, string> = {}): Promise<string> {
    const location = await consent(server, server.url + authorizePath(clientId, { code_challenge: challenge, ...options }), 'alice');
    const code = location.searchParams.get('code');
    assert.ok(code, location.toString());
    return code;
  }

  it('round trip with twitter-api-v2: link, consent, login, upload, metadata, refresh, revoke, 401', async () => {
    const { app, clientSecret } = await createApp(server);
    const requestClient = twitterClient(server, { clientId: app.clientId, clientSecret: clientSecret! });
    const link = requestClient.generateOAuth2AuthLink(CALLBACK, { scope: SCOPES });
    assert.match(link.url, /code_challenge_method=s256/, 'twitter-api-v2 sends the method in lower case');

    const redirect = await consent(server, link.url, 'alice');
    assert.equal(redirect.origin + redirect.pathname, CALLBACK);
    assert.equal(redirect.searchParams.get('state'), link.state);
    const code = redirect.searchParams.get('code')!;

    const login = await requestClient.loginWithOAuth2({ code, codeVerifier: link.codeVerifier, redirectUri: CALLBACK });
    assert.equal(login.expiresIn, 7200);
    assert.deepEqual([...login.scope].sort(), [...SCOPES].sort());
    assert.ok(login.refreshToken);

    const upload = await login.client.v2.post<{ data: { id: string; media_key: string } }>('media/upload', {
      media: png().toString('base64'),
      media_category: 'tweet_image',
    });
    const mediaId = upload.data.id;
    assert.match(mediaId, /^[0-9]{19}$/);
    const wrapped = await login.client.v2.createMediaMetadata(mediaId, { alt_text: { text: 'a cat' } });
    assert.deepEqual(wrapped, { data: { id: mediaId, associated_metadata: { alt_text: { text: 'a cat' } } } });
    const flat = await login.client.v2.post<{ data: { associated_metadata: unknown } }>('media/metadata/create', {
      media_id: mediaId,
      alt_text: { text: 'still a cat' },
    });
    assert.deepEqual(flat.data.associated_metadata, { alt_text: { text: 'still a cat' } });

    const refreshed = await requestClient.refreshOAuth2Token(login.refreshToken!);
    assert.notEqual(refreshed.accessToken, login.accessToken);
    assert.notEqual(refreshed.refreshToken, login.refreshToken);
    assert.deepEqual([...refreshed.scope].sort(), [...SCOPES].sort());
    await refreshed.client.v2.createMediaMetadata(mediaId, { alt_text: { text: 'refreshed cat' } });

    assert.deepEqual(await requestClient.revokeOAuth2Token(refreshed.accessToken, 'access_token'), { revoked: true });
    const error = await expectApiError(refreshed.client.v2.createMediaMetadata(mediaId, { alt_text: { text: 'x' } }), 401);
    assert.deepEqual(error.data, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });
  });

  it('a public client with the plain method, form-encoded, client_id in the body; no refresh token without offline.access', async () => {
    const { app } = await createApp(server, { confidential: false });
    const verifier = randomBytes(48).toString('base64url');
    const code = await codeFor(app.clientId, verifier, { code_challenge_method: 'plain', scope: 'tweet.read media.write' });
    const result = await postForm(`${server.url}/2/oauth2/token`, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CALLBACK,
      client_id: app.clientId,
    });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.headers.get('cache-control'), 'no-store');
    assert.deepEqual(Object.keys(result.json), ['token_type', 'expires_in', 'access_token', 'scope']);
    assert.equal(result.json.token_type, 'bearer');
    assert.equal(result.json.scope, 'tweet.read media.write');
    const lookup = await get(`${server.url}/2/media?media_keys=3_1`, result.json.access_token);
    assert.equal(lookup.status, 200, lookup.text);
  });

  it('the consent page also answers at /2/oauth2/authorize', async () => {
    const { app } = await createApp(server, { confidential: false });
    const { verifier, challenge } = pkcePair();
    const path = authorizePath(app.clientId, { code_challenge: challenge }, '/2/oauth2/authorize');
    const location = await consent(server, server.url + path, 'alice');
    const result = await postForm(`${server.url}/2/oauth2/token`, {
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: CALLBACK,
      client_id: app.clientId,
    });
    assert.equal(result.status, 200, result.text);
  });

  describe('token endpoint errors (RFC 6749 §5.2, X wording)', () => {
    let app: Awaited<ReturnType<typeof createApp>>;
    const tokenUrl = () => `${server.url}/2/oauth2/token`;
    before(async () => {
      app = await createApp(server);
    });

    function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
      return postForm(
        tokenUrl(),
        { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK, ...extra },
        basic(app.app.clientId, app.clientSecret!),
      );
    }

    function assertOAuthError(result: Awaited<ReturnType<typeof request>>, status: number, error: string, description?: string) {
      assert.equal(result.status, status, result.text);
      assert.match(result.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(Object.keys(result.json), ['error', 'error_description']);
      assert.equal(result.json.error, error);
      if (description !== undefined) assert.equal(result.json.error_description, description);
    }

    it('a code works once; reusing it fails and revokes the tokens it gave', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const first = await exchange(code, verifier);
      assert.equal(first.status, 200, first.text);
      assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, first.json.access_token)).status, 200);
      const second = await exchange(code, verifier);
      assertOAuthError(second, 400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, first.json.access_token)).status, 401);
      const refresh = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, basic(app.app.clientId, app.clientSecret!));
      assertOAuthError(refresh, 400, 'invalid_request', 'Value passed for the token was invalid.');
    });

    it('a wrong verifier is refused', async () => {
      const { challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      assertOAuthError(
        await exchange(code, pkcePair().verifier),
        400,
        'invalid_request',
        'Value passed for the code verifier did not match the code challenge.',
      );
    });

    it('a redirect_uri other than the one authorized is refused', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      assertOAuthError(await exchange(code, verifier, { redirect_uri: `${CALLBACK}/other` }), 400, 'invalid_request');
    });

    it('a code issued to another client is refused', async () => {
      const other = await createApp(server);
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(other.app.clientId, challenge);
      assertOAuthError(await exchange(code, verifier), 400, 'invalid_request', 'Value passed for the authorization code was invalid.');
    });

    it('missing parameters, unknown grant types and unparsable bodies', async () => {
      const auth = basic(app.app.clientId, app.clientSecret!);
      assertOAuthError(await postForm(tokenUrl(), {}, auth), 400, 'invalid_request', 'Missing required parameter [grant_type].');
      assertOAuthError(await postForm(tokenUrl(), { grant_type: 'password' }, auth), 400, 'unsupported_grant_type');
      assertOAuthError(
        await postForm(tokenUrl(), { grant_type: 'authorization_code', code: 'x', redirect_uri: CALLBACK }, auth),
        400,
        'invalid_request',
        'Missing required parameter [code_verifier].',
      );
      const broken = await request(tokenUrl(), {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: '{"grant_type":',
      });
      assertOAuthError(broken, 400, 'invalid_request');
    });

    it('a confidential client must authenticate: no secret or a wrong one is 401', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const fields = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: CALLBACK };
      const missing = await postForm(tokenUrl(), { ...fields, client_id: app.app.clientId });
      assertOAuthError(missing, 401, 'unauthorized_client', 'Missing valid authorization header');
      const wrong = await postForm(tokenUrl(), fields, basic(app.app.clientId, 'not-the-secret'));
      assertOAuthError(wrong, 401, 'unauthorized_client', 'Missing valid authorization header');
      const unknown = await postForm(tokenUrl(), fields, basic('nobody', 'nothing'));
      assertOAuthError(unknown, 401, 'unauthorized_client');
    });

    it('twitter-api-v2 style JSON bodies with the secret in Basic and in the body', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const result = await request(tokenUrl(), {
        method: 'POST',
        headers: { authorization: basic(app.app.clientId, app.clientSecret!), 'content-type': 'application/json;charset=UTF-8' },
        body: JSON.stringify({
          code,
          code_verifier: verifier,
          redirect_uri: CALLBACK,
          grant_type: 'authorization_code',
          client_id: app.app.clientId,
          client_secret: app.clientSecret,
        }),
      });
      assert.equal(result.status, 200, result.text);
      assert.deepEqual(Object.keys(result.json), ['token_type', 'expires_in', 'access_token', 'scope', 'refresh_token']);
    });

    it('refresh tokens rotate; replaying an old one fails and revokes the whole grant', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const auth = basic(app.app.clientId, app.clientSecret!);
      const first = await exchange(code, verifier);
      const second = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, auth);
      assert.equal(second.status, 200, second.text);
      const replay = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: first.json.refresh_token }, auth);
      assertOAuthError(replay, 400, 'invalid_request', 'Value passed for the token was invalid.');
      // RFC 6819 §5.2.2.3: someone holds a copy, so the newest tokens of the grant stop working too.
      assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, second.json.access_token)).status, 401);
      const third = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: second.json.refresh_token }, auth);
      assertOAuthError(third, 400, 'invalid_request');
    });

    it('a refresh token only works for the client it was issued to, and only for scopes it has', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const tokens = await exchange(code, verifier);
      const other = await createApp(server);
      const foreign = await postForm(
        tokenUrl(),
        { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token },
        basic(other.app.clientId, other.clientSecret!),
      );
      assertOAuthError(foreign, 400, 'invalid_request');
      const auth = basic(app.app.clientId, app.clientSecret!);
      const wider = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token, scope: 'dm.write' }, auth);
      assertOAuthError(wider, 400, 'invalid_scope');
      const narrower = await postForm(tokenUrl(), { grant_type: 'refresh_token', refresh_token: tokens.json.refresh_token, scope: 'tweet.read' }, auth);
      assert.equal(narrower.status, 200, narrower.text);
      assert.equal(narrower.json.scope, 'tweet.read');
    });

    it('revoking a refresh token revokes its grant; unknown tokens are "revoked" too, another client’s seemingly but not really', async () => {
      const { verifier, challenge } = pkcePair();
      const code = await codeFor(app.app.clientId, challenge);
      const tokens = await exchange(code, verifier);
      const revokeUrl = `${server.url}/2/oauth2/revoke`;
      const auth = basic(app.app.clientId, app.clientSecret!);
      const other = await createApp(server);
      const foreign = await postForm(revokeUrl, { token: tokens.json.refresh_token }, basic(other.app.clientId, other.clientSecret!));
      assert.equal(foreign.status, 200, foreign.text);
      assert.deepEqual(foreign.json, { revoked: true });
      assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, tokens.json.access_token)).status, 200, 'another client cannot revoke it');
      const revoked = await postForm(revokeUrl, { token: tokens.json.refresh_token, token_type_hint: 'refresh_token' }, auth);
      assert.equal(revoked.status, 200, revoked.text);
      assert.deepEqual(revoked.json, { revoked: true });
      assert.equal((await get(`${server.url}/2/media?media_keys=3_1`, tokens.json.access_token)).status, 401);
      const unknown = await postForm(revokeUrl, { token: 'never-issued' }, auth);
      assert.deepEqual(unknown.json, { revoked: true });
    });

    it('access tokens expire', async () => {
      const fast = await startServer({ XMEDIA_ACCESS_TOKEN_TTL_SECS: '1' });
      try {
        await createUser(fast, 'alice');
        const { app: shortApp } = await createApp(fast, { confidential: false });
        const { verifier, challenge } = pkcePair();
        const location = await consent(fast, fast.url + authorizePath(shortApp.clientId, { code_challenge: challenge }), 'alice');
        const tokens = await postForm(`${fast.url}/2/oauth2/token`, {
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: CALLBACK,
          client_id: shortApp.clientId,
        });
        assert.equal(tokens.json.expires_in, 1);
        assert.equal((await get(`${fast.url}/2/media?media_keys=3_1`, tokens.json.access_token)).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 1100));
        assert.equal((await get(`${fast.url}/2/media?media_keys=3_1`, tokens.json.access_token)).status, 401);
      } finally {
        await fast.close();
      }
    });

    it('codes expire (30 s on X; 1 s here)', async () => {
      const fast = await startServer({ XMEDIA_AUTH_CODE_TTL_SECS: '1' });
      try {
        await createUser(fast, 'alice');
        const { app: shortApp } = await createApp(fast, { confidential: false });
        const { verifier, challenge } = pkcePair();
        const location = await consent(fast, fast.url + authorizePath(shortApp.clientId, { code_challenge: challenge }), 'alice');
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const late = await postForm(`${fast.url}/2/oauth2/token`, {
          grant_type: 'authorization_code',
          code: location.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: CALLBACK,
          client_id: shortApp.clientId,
        });
        assertOAuthError(late, 400, 'invalid_request', 'Value passed for the authorization code was invalid.');
      } finally {
        await fast.close();
      }
    });
  });

  describe('the consent page', () => {
    let clientId: string;
    before(async () => {
      clientId = (await createApp(server, { name: 'Cat <Uploader>' })).app.clientId;
    });

    it('shows a labelled sign-in form, then the app and its scopes, with safe cookies and headers', async () => {
      const browser = new Browser(server.url);
      const path = authorizePath(clientId, { code_challenge: pkcePair().challenge });
      const first = await browser.get(path);
      const html = await first.text();
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(first.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      const cookie = first.headers.getSetCookie()[0] ?? '';
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.match(html, /<html lang="en">/);
      assert.match(html, /<label for="username">Username<\/label>/);
      assert.match(html, /<label for="password">Password<\/label>/);
      assert.match(html, /Cat &#60;Uploader&#62;/, 'the app name is escaped');
      assert.doesNotMatch(html, /Cat <Uploader>/);

      const { action, csrf } = readForm(html);
      const signedIn = await browser.post(action, { csrf_token: csrf, action: 'sign_in', username: 'alice', password: 'correct horse battery' });
      assert.equal(signedIn.status, 303);
      const consentHtml = await (await browser.get(signedIn.headers.get('location')!)).text();
      assert.match(consentHtml, /<h1>Authorize Cat &#60;Uploader&#62; to access your account\?<\/h1>/);
      for (const scope of SCOPES) assert.match(consentHtml, new RegExp(`<strong>${scope.replace('.', '\\.')}</strong>`));
      assert.match(consentHtml, /<button class="primary" type="submit" name="action" value="approve">/);
      assert.match(consentHtml, /<button class="secondary" type="submit" name="action" value="deny">/);
    });

    it('a denial goes back to the client with error=access_denied and the state', async () => {
      const path = authorizePath(clientId, { code_challenge: pkcePair().challenge });
      const location = await consent(server, server.url + path, 'alice', { decision: 'deny' });
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'state-123');
      assert.equal(location.searchParams.get('code'), null);
    });

    it('a wrong password shows the form again with an announced error', async () => {
      const browser = new Browser(server.url);
      const { action, csrf } = await browser.form(authorizePath(clientId, { code_challenge: pkcePair().challenge }));
      const response = await browser.post(action, { csrf_token: csrf, action: 'sign_in', username: 'alice', password: 'wrong password' });
      assert.equal(response.status, 401);
      const html = await response.text();
      assert.match(html, /role="alert">Wrong username or password\./);
      assert.match(html, /aria-describedby="sign-in-error"/);
    });

    it('refuses forms without this browser session’s CSRF token', async () => {
      const victim = new Browser(server.url);
      const path = authorizePath(clientId, { code_challenge: pkcePair().challenge });
      const signIn = await victim.form(path);
      await victim.post(signIn.action, { csrf_token: signIn.csrf, action: 'sign_in', username: 'alice', password: 'correct horse battery' });
      const attacker = new Browser(server.url);
      const attackerForm = await attacker.form(path);
      for (const token of ['', attackerForm.csrf]) {
        const forged = await victim.post(signIn.action, { csrf_token: token, action: 'approve' });
        assert.equal(forged.status, 403);
        assert.equal(forged.headers.get('location'), null);
      }
    });

    it('unknown clients and unregistered redirect URIs are shown, never redirected to', async () => {
      const unknownClient = await get(server.url + authorizePath('no-such-client', { code_challenge: pkcePair().challenge }));
      assert.equal(unknownClient.status, 400);
      assert.equal(unknownClient.headers.get('location'), null);
      const wrongRedirect = await get(
        server.url + authorizePath(clientId, { code_challenge: pkcePair().challenge, redirect_uri: 'https://evil.example/cb' }),
      );
      assert.equal(wrongRedirect.status, 400);
      assert.equal(wrongRedirect.headers.get('location'), null);
      assert.match(wrongRedirect.text, /not one of this app’s registered callback URLs/);
    });

    it('other bad requests go back to the client with an error and the state', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ code_challenge: '' }, 'invalid_request'],
        [{ code_challenge: pkcePair().challenge, code_challenge_method: 'S512' }, 'invalid_request'],
        [{ code_challenge: pkcePair().challenge, scope: 'media.write teleport.write' }, 'invalid_scope'],
        [{ code_challenge: pkcePair().challenge, response_type: 'token' }, 'unsupported_response_type'],
      ];
      for (const [options, error] of cases) {
        const response = await request(server.url + authorizePath(clientId, options), { redirect: 'manual' });
        assert.equal(response.status, 303, JSON.stringify(options));
        const location = new URL(response.headers.get('location')!);
        assert.equal(location.origin + location.pathname, CALLBACK);
        assert.equal(location.searchParams.get('error'), error, JSON.stringify(options));
        assert.equal(location.searchParams.get('state'), 'state-123');
      }
    });

    it('throttles sign-in attempts per account', async () => {
      const strict = await startServer({ XMEDIA_SIGN_IN_FAILURE_LIMIT: '3' });
      try {
        await createUser(strict, 'bob');
        const { app } = await createApp(strict);
        const browser = new Browser(strict.url);
        const { action, csrf } = await browser.form(authorizePath(app.clientId, { code_challenge: pkcePair().challenge }));
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          const password = i < 3 ? 'wrong password' : 'correct horse battery';
          statuses.push((await browser.post(action, { csrf_token: csrf, action: 'sign_in', username: 'bob', password })).status);
        }
        assert.deepEqual(statuses, [401, 401, 401, 429], 'even the right password waits once the limit is reached');
      } finally {
        await strict.close();
      }
    });
  });
});
