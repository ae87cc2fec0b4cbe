import { DEFAULT_APP_NAME } from '../auth/credentials.js';
import { DEFAULT_USER_SCOPES, KNOWN_SCOPES } from '../auth/principal.js';
import { sha256Hex } from '../auth/secrets.js';
import type { AppContext } from '../context.js';
import type { AppRecord } from '../storage/records.js';
import {
  checkUsername,
  isoTime,
  JSON_OPTION,
  printFields,
  printSecrets,
  printTable,
  stringOption,
  UsageError,
  type CliCommand,
  type CliOutput,
} from './command.js';

/** How `token list` names a bearer token, which is stored only as a hash: the hash's first 16 hex digits. */
const ID_LENGTH = 16;

/**
 * `xmedia token create`: an OAuth 2.0 bearer token for a user (created if needed), an app-only token, or
 * OAuth 1.0a user-context credentials (`--oauth1`).
 */
export const tokenCreate: CliCommand = {
  usage:
    'token create (--user <name> [--scopes "media.write tweet.read"] [--expires-in <seconds>] | --app-only | --oauth1 --user <name>) [--app <client_id|name>] [--json]',
  options: {
    user: { type: 'string' },
    scopes: { type: 'string' },
    'app-only': { type: 'boolean' },
    oauth1: { type: 'boolean' },
    app: { type: 'string' },
    'expires-in': { type: 'string' },
    ...JSON_OPTION,
  },
  async run(ctx, values, out) {
    const username = stringOption(values, 'user');
    const appOnly = values['app-only'] === true;
    const oauth1 = values.oauth1 === true;
    const json = values.json === true;
    if (appOnly && (username !== undefined || oauth1)) throw new UsageError('--app-only takes neither --user nor --oauth1');
    if (!appOnly && username === undefined) throw new UsageError('give --user <name> (or --app-only)');
    if (oauth1 && (values.scopes !== undefined || values['expires-in'] !== undefined)) {
      throw new UsageError('OAuth 1.0a credentials have no scopes and do not expire');
    }
    const app = await appFor(ctx, stringOption(values, 'app'), out);
    if (appOnly) {
      const token = await ctx.credentials.issueAppToken(app);
      printSecrets(out, json, { kind: 'app', app: app.name, client_id: app.clientId, token }, ['token']);
      return;
    }
    checkUsername(username!);
    const user = await ctx.credentials.ensureUser(username!);
    if (oauth1) {
      if (app.consumerKey === null) throw new UsageError(`app "${app.name}" has no consumer key; create one with \`xmedia app create\``);
      const { token, secret } = await ctx.credentials.issueOAuth1Token(user, app);
      printSecrets(
        out,
        json,
        {
          kind: 'oauth1',
          user_id: user.id,
          app: app.name,
          consumer_key: app.consumerKey,
          access_token: token,
          access_token_secret: secret,
        },
        ['access_token', 'access_token_secret'],
      );
      return;
    }
    const scopes = parseScopes(stringOption(values, 'scopes'));
    const ttlMs = parseTtl(stringOption(values, 'expires-in'));
    const token = await ctx.credentials.issueUserToken(user, app, scopes, ttlMs);
    printSecrets(
      out,
      json,
      { kind: 'user', user_id: user.id, app: app.name, scopes, expires_at: ttlMs === null ? null : isoTime(ctx.now() + ttlMs), token },
      ['token'],
    );
  },
};

/** `xmedia token list`: bearer tokens (by id, since only their hashes are stored) and OAuth 1.0a tokens. */
export const tokenList: CliCommand = {
  usage: 'token list [--user <name>] [--json]',
  options: { user: { type: 'string' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const username = stringOption(values, 'user');
    const user = username === undefined ? undefined : await ctx.store.findUserByName(username);
    if (username !== undefined && !user) throw new UsageError(`no user "${username}"`);
    const filter = user ? { userId: user.id } : {};
    const [bearer, oauth1, users, apps] = await Promise.all([
      ctx.store.listTokens(filter),
      ctx.store.listOAuth1Tokens(filter),
      ctx.store.listUsers(),
      ctx.store.listApps(),
    ]);
    const userName = new Map(users.map((u) => [u.id, u.username]));
    const appName = new Map(apps.map((a) => [a.id, a.name]));
    const now = ctx.now();
    const status = (revokedAtMs: number | null, expiresAtMs: number | null): string =>
      revokedAtMs !== null ? 'revoked' : expiresAtMs !== null && expiresAtMs <= now ? 'expired' : 'live';
    printTable(out, values.json === true, [
      ...bearer.map((t) => ({
        id: t.hash.slice(0, ID_LENGTH),
        kind: t.kind === 'app' ? 'app-only' : t.familyId === null ? 'user' : 'oauth2',
        user: t.userId === null ? null : (userName.get(t.userId) ?? t.userId),
        app: appName.get(t.appId) ?? t.appId,
        scopes: t.scopes,
        status: status(t.revokedAtMs, t.expiresAtMs),
        created_at: isoTime(t.createdAtMs),
        expires_at: isoTime(t.expiresAtMs),
      })),
      ...oauth1.map((t) => ({
        id: t.token,
        kind: 'oauth1',
        user: userName.get(t.userId) ?? t.userId,
        app: appName.get(t.appId) ?? t.appId,
        scopes: [],
        status: status(t.revokedAtMs, null),
        created_at: isoTime(t.createdAtMs),
        expires_at: null,
      })),
    ]);
  },
};

/** `xmedia token revoke`: by the token itself, or by the id `token list` shows. */
export const tokenRevoke: CliCommand = {
  usage: 'token revoke (--token <token> | --id <id from token list>) [--json]',
  options: { token: { type: 'string' }, id: { type: 'string' }, ...JSON_OPTION },
  async run(ctx, values, out) {
    const token = stringOption(values, 'token');
    const id = stringOption(values, 'id');
    if ((token === undefined) === (id === undefined)) throw new UsageError('give exactly one of --token and --id');
    const now = ctx.now();
    let revoked: string | undefined;
    if (token !== undefined) {
      const hash = sha256Hex(token);
      const refresh = await ctx.store.findRefreshToken(hash);
      if (await ctx.store.revokeToken(hash, now)) revoked = 'bearer token';
      else if (await ctx.store.revokeOAuth1Token(token, now)) revoked = 'OAuth 1.0a token';
      else if (refresh && (await ctx.store.revokeFamily(refresh.familyId, now)) > 0) revoked = 'refresh token and its grant';
    } else {
      revoked = await revokeById(ctx, id!, now);
    }
    if (revoked === undefined) throw new UsageError('no live token matches');
    out.note(`revoked the ${revoked}`);
    printFields(out, values.json === true, { revoked: true, kind: revoked });
  },
};

async function revokeById(ctx: AppContext, id: string, now: number): Promise<string | undefined> {
  if (await ctx.store.revokeOAuth1Token(id, now)) return 'OAuth 1.0a token';
  if (!/^[0-9a-f]{8,64}$/.test(id)) return undefined;
  const matches = (await ctx.store.listTokens({})).filter((t) => t.hash.startsWith(id) && t.revokedAtMs === null);
  if (matches.length > 1) throw new UsageError(`id ${id} matches ${matches.length} tokens; give more of it`);
  if (matches.length === 0 || !(await ctx.store.revokeToken(matches[0]!.hash, now))) return undefined;
  return 'bearer token';
}

/** The app named by client id, consumer key or name; a name nothing has yet creates the app (a public client). */
async function appFor(ctx: AppContext, reference: string | undefined, out: CliOutput): Promise<AppRecord> {
  const found = reference === undefined ? undefined : await ctx.credentials.findApp(reference);
  if (found) return found;
  const name = reference ?? DEFAULT_APP_NAME;
  if (reference !== undefined) out.note(`no app "${name}" yet: creating it`);
  return ctx.credentials.ensureApp(name);
}

function parseScopes(raw: string | undefined): string[] {
  if (raw === undefined) return [...DEFAULT_USER_SCOPES];
  const scopes = raw.split(/[\s,]+/).filter((s) => s !== '');
  const unknown = scopes.filter((s) => !(KNOWN_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`unknown scope(s): ${unknown.join(', ')}; known: ${KNOWN_SCOPES.join(' ')}`);
  return [...new Set(scopes)];
}

function parseTtl(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const secs = Number(raw);
  if (!Number.isSafeInteger(secs) || secs <= 0) throw new UsageError('--expires-in takes a positive number of seconds');
  return secs * 1000;
}
