import { DEFAULT_APP_NAME } from '../auth/credentials.js';
import { DEFAULT_USER_SCOPES, KNOWN_SCOPES } from '../auth/principal.js';
import { UsageError, type CliCommand } from './command.js';

/** `xmedia token create`: a bearer token for a user (created if needed) or an app-only token. */
export const tokenCreate: CliCommand = {
  usage: 'token create (--user <name> [--scopes "media.write tweet.read"] | --app-only) [--app <name>] [--expires-in <seconds>]',
  options: {
    user: { type: 'string' },
    scopes: { type: 'string' },
    'app-only': { type: 'boolean' },
    app: { type: 'string' },
    'expires-in': { type: 'string' },
  },
  async run(ctx, values, out) {
    const username = values.user as string | undefined;
    const appOnly = values['app-only'] === true;
    if ((username === undefined) === !appOnly) throw new UsageError('give exactly one of --user <name> and --app-only');
    const app = await ctx.credentials.ensureApp((values.app as string | undefined) ?? DEFAULT_APP_NAME);
    if (appOnly) {
      out.note(`app-only token for app "${app.name}":`);
      out.line(await ctx.credentials.issueAppToken(app));
      return;
    }
    if (!/^[A-Za-z0-9_]{1,15}$/.test(username!)) throw new UsageError('a user name is 1-15 letters, digits or underscores, as on X');
    const scopes = parseScopes(values.scopes as string | undefined);
    const ttlMs = parseTtl(values['expires-in'] as string | undefined);
    const user = await ctx.credentials.ensureUser(username!);
    out.note(`token for user "${user.username}" (id ${user.id}), app "${app.name}", scopes: ${scopes.join(' ')}`);
    out.line(await ctx.credentials.issueUserToken(user, app, scopes, ttlMs));
  },
};

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
