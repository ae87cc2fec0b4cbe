import type { SnowflakeIds } from '../domain/ids.js';
import type { AppRecord, UserRecord } from '../storage/records.js';
import { DuplicateKeyError, type Store } from '../storage/store.js';
import { hashPassword } from './passwords.js';
import type { SecretBox } from './secret-box.js';
import { generateSecret, sha256Hex } from './secrets.js';

/** The app that CLI-issued tokens belong to unless another is named. */
export const DEFAULT_APP_NAME = 'xmedia-cli';

/** A new app's secrets: shown once, when it is created, and stored only hashed or sealed. */
export interface NewApp {
  readonly app: AppRecord;
  /** Null for a public client. */
  readonly clientSecret: string | null;
  readonly consumerKey: string;
  readonly consumerSecret: string;
}

/** What the associated data of a sealed secret says it belongs to (see SecretBox). */
export const sealedFor = {
  consumerSecret: (consumerKey: string) => `consumer:${consumerKey}`,
  oauth1TokenSecret: (token: string) => `oauth1:${token}`,
};

/**
 * Creating users, apps and tokens: shared by the CLI, the first-start bootstrap and the OAuth endpoints, so
 * every path stores the same rows the same way.
 */
export class Credentials {
  constructor(
    private readonly store: Store,
    private readonly ids: SnowflakeIds,
    private readonly box: SecretBox,
    private readonly now: () => number = Date.now,
  ) {}

  /** The named user, created when missing. Safe against a concurrent creator of the same name. */
  async ensureUser(username: string): Promise<UserRecord> {
    return ensure(
      () => this.store.findUserByName(username),
      () => this.createUser(username, null),
    );
  }

  /** A new user; `password` (for the consent page's sign-in) is stored as a scrypt hash. */
  async createUser(username: string, password: string | null): Promise<UserRecord> {
    const user: UserRecord = {
      id: this.ids.next(),
      username,
      passwordHash: password === null ? null : await hashPassword(password),
      createdAtMs: this.now(),
    };
    await this.store.insertUser(user);
    return user;
  }

  /** The named app, created when missing, as a public client (no client secret). */
  async ensureApp(name: string): Promise<AppRecord> {
    return ensure(
      () => this.store.findAppByName(name),
      async () => (await this.createApp({ name, callbackUrls: [], confidential: false })).app,
    );
  }

  /** An app by its client id, consumer key or name: how the CLI lets an admin name one. */
  async findApp(reference: string): Promise<AppRecord | undefined> {
    return (
      (await this.store.findAppByClientId(reference)) ??
      (await this.store.findAppByConsumerKey(reference)) ??
      (await this.store.findAppByName(reference))
    );
  }

  /** A new app with OAuth 2.0 client credentials (a secret only when confidential) and OAuth 1.0a consumer keys. */
  async createApp(spec: { name: string; callbackUrls: readonly string[]; confidential: boolean }): Promise<NewApp> {
    const clientSecret = spec.confidential ? generateSecret() : null;
    const consumerKey = generateSecret(18);
    const consumerSecret = generateSecret();
    const app: AppRecord = {
      id: this.ids.next(),
      name: spec.name,
      clientId: generateSecret(18),
      clientSecretHash: clientSecret === null ? null : sha256Hex(clientSecret),
      callbackUrls: [...spec.callbackUrls],
      consumerKey,
      consumerSecretSealed: this.box.seal(consumerSecret, sealedFor.consumerSecret(consumerKey)),
      createdAtMs: this.now(),
    };
    await this.store.insertApp(app);
    return { app, clientSecret, consumerKey, consumerSecret };
  }

  /** The app's consumer secret in clear, for checking app-only Basic credentials; null when it has none. */
  consumerSecretOf(app: AppRecord): string | null {
    if (app.consumerKey === null || app.consumerSecretSealed === null) return null;
    return this.box.open(app.consumerSecretSealed, sealedFor.consumerSecret(app.consumerKey));
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
      familyId: null,
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
      familyId: null,
    });
    return token;
  }

  /** Issues OAuth 1.0a user-context credentials, `<user id>-<random>` like X's; the secret is stored sealed. */
  async issueOAuth1Token(user: UserRecord, app: AppRecord): Promise<{ token: string; secret: string }> {
    if (app.consumerKey === null) throw new Error(`app "${app.name}" has no consumer key`);
    const token = `${user.id}-${generateSecret(24)}`;
    const secret = generateSecret();
    await this.store.insertOAuth1Token({
      token,
      secretSealed: this.box.seal(secret, sealedFor.oauth1TokenSecret(token)),
      appId: app.id,
      userId: user.id,
      createdAtMs: this.now(),
      revokedAtMs: null,
    });
    return { token, secret };
  }
}

/** Find-or-create that tolerates a concurrent creator of the same unique name. */
async function ensure<T>(find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
  const existing = await find();
  if (existing) return existing;
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    const winner = await find();
    if (!winner) throw error;
    return winner;
  }
}
