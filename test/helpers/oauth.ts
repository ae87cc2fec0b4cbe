import { createHmac } from 'node:crypto';
import http from 'node:http';
import OAuth from 'oauth-1.0a';
import { TwitterApi, type ITwitterApiClientPlugin, type TwitterApiTokens } from 'twitter-api-v2';
import type { NewApp } from '../../src/auth/credentials.js';
import type { TestServer } from './server.js';

/**
 * twitter-api-v2 has no base-URL option: this plugin rewrites every request's URL to the test server after
 * the client has built (and, for OAuth 1.0a, signed) it for X, and the plain-HTTP agent lets its https
 * requester speak to http://127.0.0.1.
 */
export function twitterClient(server: TestServer, tokens: TwitterApiTokens | string | { clientId: string; clientSecret?: string }): TwitterApi {
  const target = new URL(server.url);
  const redirect: ITwitterApiClientPlugin = {
    onBeforeRequest({ computedParams }) {
      computedParams.url.protocol = target.protocol;
      computedParams.url.host = target.host;
    },
  };
  return new TwitterApi(tokens as TwitterApiTokens, { plugins: [redirect], httpAgent: new http.Agent() });
}

export const CALLBACK = 'http://127.0.0.1:9/callback';

export async function createApp(
  server: TestServer,
  options: { name?: string; confidential?: boolean; callbackUrls?: string[] } = {},
): Promise<NewApp> {
  return server.ctx.credentials.createApp({
    name: options.name ?? `app-${Math.random().toString(36).slice(2)}`,
    callbackUrls: options.callbackUrls ?? [CALLBACK],
    confidential: options.confidential ?? true,
  });
}

export async function createUser(server: TestServer, username: string, password = 'correct horse battery'): Promise<string> {
  return (await server.ctx.credentials.createUser(username, password)).id;
}

/** A browser of sorts: keeps the cookies the consent page sets and sends them back. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  async get(pathAndQuery: string): Promise<Response> {
    return this.keep(await fetch(this.baseUrl + pathAndQuery, { headers: this.cookieHeader(), redirect: 'manual' }));
  }

  async post(pathAndQuery: string, fields: Record<string, string>): Promise<Response> {
    return this.keep(
      await fetch(this.baseUrl + pathAndQuery, {
        method: 'POST',
        headers: { ...this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      }),
    );
  }

  /** Fetches a page and reads its form: where it posts and its CSRF token. */
  async form(pathAndQuery: string): Promise<{ status: number; html: string; action: string; csrf: string }> {
    const response = await this.get(pathAndQuery);
    const html = await response.text();
    return { status: response.status, html, ...readForm(html) };
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private keep(response: Response): Response {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  }
}

export function readForm(html: string): { action: string; csrf: string } {
  const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)));
  return {
    action: unescape(/<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? ''),
    csrf: unescape(/name="csrf_token" value="([^"]*)"/.exec(html)?.[1] ?? ''),
  };
}

/**
 * A person at the consent page: opens the authorize URL (any host: only its path and query are used), signs
 * in, then approves or denies. Resolves to where the server sent the browser.
 */
export async function consent(
  server: TestServer,
  authorizeUrl: string,
  username: string,
  options: { password?: string; decision?: 'approve' | 'deny'; browser?: Browser } = {},
): Promise<URL> {
  const browser = options.browser ?? new Browser(server.url);
  const url = new URL(authorizeUrl);
  const path = url.pathname + url.search;
  const signIn = await browser.form(path);
  if (signIn.status !== 200) throw new Error(`authorize page: ${signIn.status} ${signIn.html}`);
  const signedIn = await browser.post(signIn.action, {
    csrf_token: signIn.csrf,
    action: 'sign_in',
    username,
    password: options.password ?? 'correct horse battery',
  });
  if (signedIn.status !== 303) throw new Error(`sign in: ${signedIn.status} ${await signedIn.text()}`);
  const page = await browser.form(signedIn.headers.get('location')!);
  const decided = await browser.post(page.action, { csrf_token: page.csrf, action: options.decision ?? 'approve' });
  if (decided.status !== 303) throw new Error(`decision: ${decided.status} ${await decided.text()}`);
  return new URL(decided.headers.get('location')!);
}

export interface OAuth1Keys {
  consumerKey: string;
  consumerSecret: string;
  token: string;
  tokenSecret: string;
}

/**
 * An OAuth 1.0a Authorization header made by the `oauth-1.0a` package: an independent implementation of
 * RFC 5849 to check the server against. `data` holds form-body parameters (signed too).
 */
export function oauth1Header(
  keys: OAuth1Keys,
  request: { url: string; method: string; data?: Record<string, string> },
  overrides: { timestamp?: number; nonce?: string } = {},
): string {
  const oauth = new OAuth({
    consumer: { key: keys.consumerKey, secret: keys.consumerSecret },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  if (overrides.timestamp !== undefined) oauth.getTimeStamp = () => overrides.timestamp!;
  if (overrides.nonce !== undefined) oauth.getNonce = () => overrides.nonce!;
  const authorization = oauth.authorize(request, { key: keys.token, secret: keys.tokenSecret });
  return oauth.toHeader(authorization).Authorization;
}
