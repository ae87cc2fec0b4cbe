import type { SnowflakeIds } from '../domain/ids.js';
import type { AppRecord, UserRecord } from '../storage/records.js';
import { DuplicateKeyError, type Store } from '../storage/store.js';
import { generateSecret, sha256Hex } from './secrets.js';

/** The app that CLI-issued tokens belong to unless another is named. */
export const DEFAULT_APP_NAME = 'xmedia-cli';

/**
 * Creating users, apps and tokens: shared by the CLI, the first-start bootstrap and (later) the OAuth
 * endpoints, so every path stores the same rows the same way.
 */
export class Credentials {
  constructor(
    private readonly store: Store,
    private readonly ids: SnowflakeIds,
    private readonly now: () => number = Date.now,
  ) {}

  /** The named user, created when missing. Safe against a concurrent creator of the same name. */
  async ensureUser(username: string): Promise<UserRecord> {
    const existing = await this.store.findUserByName(username);
    if (existing) return existing;
    const user: UserRecord = { id: this.ids.next(), username, passwordHash: null, createdAtMs: this.now() };
    try {
      await this.store.insertUser(user);
      return user;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const winner = await this.store.findUserByName(username);
      if (!winner) throw error;
      return winner;
    }
  }

  /** The named app, created when missing (without a client secret: one is issued by `xmedia app create`). */
  async ensureApp(name: string): Promise<AppRecord> {
    const existing = await this.store.findAppByName(name);
    if (existing) return existing;
    const app: AppRecord = {
      id: this.ids.next(),
      name,
      clientId: generateSecret(18),
      clientSecretHash: null,
      callbackUrls: [],
      createdAtMs: this.now(),
    };
    try {
      await this.store.insertApp(app);
      return app;
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      const winner = await this.store.findAppByName(name);
      if (!winner) throw error;
      return winner;
    }
  }

  /** Issues an OAuth 2.0 user-context bearer token; returns the token, which is stored only as a hash. */
  async issueUserToken(user: UserRecord, app: AppRecord, scopes: readonly string[], ttlMs: number | null): Promise<string> {
    const token = generateSecret();
    const now = this.now();
    await this.store.insertToken({
      hash: sha256Hex(token),
      kind: 'user',
      appId: app.id,
      userId: user.id,
      scopes: [...scopes],
      createdAtMs: now,
      expiresAtMs: ttlMs === null ? null : now + ttlMs,
      revokedAtMs: null,
    });
    return token;
  }

  /** Issues an OAuth 2.0 app-only bearer token. */
  async issueAppToken(app: AppRecord): Promise<string> {
    const token = generateSecret();
    await this.store.insertToken({
      hash: sha256Hex(token),
      kind: 'app',
      appId: app.id,
      userId: null,
      scopes: [],
      createdAtMs: this.now(),
      expiresAtMs: null,
      revokedAtMs: null,
    });
    return token;
  }
}
