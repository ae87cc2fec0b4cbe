import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RATE_LIMITED_ENDPOINTS, type RateLimitedEndpoint } from './domain/rate-limits.js';

/**
 * Every setting xmedia reads, read once at start-up into one typed, frozen object.
 * Sources, strongest first: the process environment, then the optional JSON file named by
 * XMEDIA_CONFIG (keys are the same names as the environment variables), then the defaults.
 * The README's configuration table mirrors SETTINGS below; keep them together.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Base URL printed in the start-up hint; defaults to http://HOST:PORT. */
  readonly publicUrl: string;
  readonly dataDir: string;
  /** `postgres://...` selects the PostgreSQL store; unset means the embedded SQLite store in dataDir. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** `redis://...` shares rate-limit counters (and other hot, short-lived state) between instances. */
  readonly redisUrl: string | undefined;
  /** Prefix of every key xmedia keeps in Redis, so several deployments can share one server. */
  readonly redisPrefix: string;
  /** Where media bytes live; `<dataDir>/blobs` unless set. */
  readonly blobDir: string;
  /** Host used in problem `type` URIs, e.g. https://api.twitter.com/2/problems/invalid-request. */
  readonly problemHost: string;
  readonly logLevel: string;
  /** Log one line per request. */
  readonly accessLog: boolean;
  /**
   * Answer the hot routes' ordinary requests on node:http before Fastify (src/http/fast-lane.ts); off sends
   * every request through Fastify, with the same answers. The access log turns it off (Fastify writes it).
   */
  readonly fastLane: boolean;
  /**
   * On SIGTERM/SIGINT, how long requests already under way may take to finish; after that they are cut and
   * the process exits with status 1. 0 cuts them at once.
   */
  readonly shutdownTimeoutMs: number;
  readonly media: {
    readonly expiresAfterSecs: number;
    /** How long finalized videos and GIFs report `pending` before `in_progress`. */
    readonly processingPendingMs: number;
    /** How long they then report `in_progress` before their outcome. */
    readonly processingMs: number;
    /** How often each instance reclaims the rows and bytes of expired media; 0 turns the sweeper off. */
    readonly sweepIntervalSecs: number;
  };
  readonly rateLimits: {
    readonly enabled: boolean;
    /** Length of the per-user (or per-app for app-only tokens) window; X uses 15 minutes. */
    readonly windowSecs: number;
    /** Length of the daily windows (per app, per user); 24 hours unless shortened for tests. */
    readonly daySecs: number;
    readonly endpoints: Readonly<Record<RateLimitedEndpoint, EndpointLimits>>;
  };
  /**
   * Master secret from which the keys that encrypt OAuth 1.0a secrets and sign consent-page cookies are
   * derived. Null: the embedded default, a key generated once into `<dataDir>/secret.key` (mode 0600).
   */
  readonly secretKey: string | null;
  readonly oauth: {
    /** Lifetime of OAuth 2.0 user access tokens; X: 2 hours. */
    readonly accessTokenTtlSecs: number;
    readonly refreshTokenTtlSecs: number;
    /** Lifetime of an authorization code; X: 30 seconds. */
    readonly authorizationCodeTtlSecs: number;
    /** How long a sign-in on the consent page lasts. */
    readonly signInSessionTtlSecs: number;
    /** Failed sign-ins per account per 15 minutes (ten times as many per client address); 0 = unlimited. */
    readonly signInFailuresPerWindow: number;
    /** Failed calls of the token, revoke and invalidate endpoints per client address per minute; 0 = unlimited. */
    readonly tokenFailuresPerMinute: number;
    /** How far an OAuth 1.0a `oauth_timestamp` may be from the server's clock, either way. */
    readonly oauth1TimestampWindowSecs: number;
    /** Also accept OAuth 1.0a signatures over X's own URL (https://api.x.com/..., https://upload.x.com/...). */
    readonly oauth1AcceptXUrls: boolean;
  };
  /** Create a dev user, token and sample image on first start with an empty database. */
  readonly devBootstrap: boolean;
  /**
   * Most values (array elements, object members, nested levels) a JSON body may hold, counted before it is
   * parsed. The body limits bound bytes, not what parsing makes of them: the one-shot upload takes 21 MB of
   * JSON (a base64 GIF), and 21 MB of `[{},{},...]` parses into some 900 MB of objects. Real bodies hold a few
   * dozen values (the largest: 100 additional owners, or the countries of a geo restriction); 100,000 leaves
   * room and keeps the parse of any body under about 10 MB of memory.
   */
  readonly jsonMaxValues: number;
  /** How long connections and requests may take; every timeout is in milliseconds, 0 turns it off. */
  readonly connections: ConnectionLimits;
}

/**
 * The defaults assume xmedia faces clients directly, with no proxy in front to absorb slow or idle ones:
 * every slot a client can hold (a connection, a request, a half-sent body) is given back after a bounded time.
 */
export interface ConnectionLimits {
  /**
   * Time from a connection's first byte of a request to the end of its headers (slowloris). Real clients send
   * their headers in one packet; 10 s still covers a very poor mobile link. Node's own default is 60 s.
   */
  readonly headersTimeoutMs: number;
  /**
   * Time for a whole request, body included. Five minutes lets a 7 MB JSON append (a 5 MB segment in base64)
   * arrive at 200 kbit/s and a 21 MB one-shot upload at 600 kbit/s; a body that stalls is cut sooner by the
   * idle timeout. Node's own default, also 300 s.
   */
  readonly requestTimeoutMs: number;
  /**
   * How long a kept-alive connection may wait for its next request. 5 s (Node's default) is enough for a client
   * that sends its calls one after the other; Fastify's 72 s suits a load balancer that reuses connections.
   */
  readonly keepAliveTimeoutMs: number;
  /**
   * How long a connection may stay silent both ways, whatever it is doing: a body that stops arriving, a client
   * that stops reading, a connection that never sends a byte. 30 s: no handler is silent for that long.
   */
  readonly connectionIdleTimeoutMs: number;
  /**
   * Open connections beyond which new ones are closed as soon as they are accepted; 0 = no limit. An idle
   * connection costs about 8 KB, so 10,000 about 80 MB (docs/RELIABILITY.md); keep it below the open-file limit
   * (`ulimit -n`; Node raises the soft limit to the hard one at start), leaving room for database and media files.
   */
  readonly maxConnections: number;
  /** Requests served on one kept-alive connection before it is closed; 0 = no limit. */
  readonly maxRequestsPerSocket: number;
}

export interface EndpointLimits {
  /** Requests per user (per app for app-only tokens) per window. */
  readonly perWindow: number;
  /** Requests per app per day; 0 = no daily cap (and no daily headers). */
  readonly perDay: number;
  /** Requests per user per day. */
  readonly perUserDay: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function readConfig(env: Env = process.env): Config {
  const source = withConfigFile(env);
  const str = (name: string, fallback: string): string => {
    const value = source[name];
    return value === undefined || value === '' ? fallback : value;
  };
  const int = (name: string, fallback: number, min = 0): number => {
    const raw = source[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min) {
      throw new ConfigError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = source[name]?.toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['on', 'true', '1', 'yes'].includes(raw)) return true;
    if (['off', 'false', '0', 'no'].includes(raw)) return false;
    throw new ConfigError(`${name} must be on or off, got ${JSON.stringify(source[name])}`);
  };

  const host = str('HOST', '127.0.0.1');
  const port = int('PORT', 3000);
  const dataDir = path.resolve(str('XMEDIA_DATA_DIR', './data'));
  const endpoints = {} as Record<RateLimitedEndpoint, EndpointLimits>;
  for (const [endpoint, defaults] of Object.entries(RATE_LIMITED_ENDPOINTS) as [
    RateLimitedEndpoint,
    { perWindow: number; perDay: number },
  ][]) {
    const name = `XMEDIA_RATE_LIMIT_${endpoint.toUpperCase()}`;
    endpoints[endpoint] = parseLimitPair(name, source[name], defaults);
  }

  const databaseUrl = optionalUrl('DATABASE_URL', source.DATABASE_URL, ['postgres:', 'postgresql:']);
  const masterSecret = secretKey(source.XMEDIA_SECRET_KEY);
  if (databaseUrl !== undefined && masterSecret === null) {
    // Instances sharing a database must all decrypt the same OAuth 1.0a secrets and accept each other's
    // consent cookies; a key generated per instance into its own data dir would not.
    throw new ConfigError('XMEDIA_SECRET_KEY is required with DATABASE_URL, the same on every instance (e.g. `openssl rand -base64 32`)');
  }

  const config: Config = {
    host,
    port,
    publicUrl: str('XMEDIA_PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl,
    databasePoolSize: int('XMEDIA_DATABASE_POOL_SIZE', 10, 1),
    redisUrl: optionalUrl('REDIS_URL', source.REDIS_URL, ['redis:', 'rediss:']),
    redisPrefix: str('XMEDIA_REDIS_PREFIX', 'xmedia:'),
    blobDir: path.resolve(dataDir, str('XMEDIA_BLOB_DIR', 'blobs')),
    problemHost: str('XMEDIA_PROBLEM_HOST', 'https://api.twitter.com').replace(/\/+$/, ''),
    logLevel: str('XMEDIA_LOG_LEVEL', 'info'),
    accessLog: bool('XMEDIA_ACCESS_LOG', false),
    fastLane: bool('XMEDIA_FAST_LANE', true),
    shutdownTimeoutMs: int('XMEDIA_SHUTDOWN_TIMEOUT_MS', 10_000),
    media: {
      expiresAfterSecs: int('XMEDIA_MEDIA_EXPIRES_AFTER_SECS', 86_400, 1),
      processingPendingMs: int('XMEDIA_PROCESSING_PENDING_MS', 1_000),
      processingMs: int('XMEDIA_PROCESSING_MS', 3_000),
      sweepIntervalSecs: int('XMEDIA_SWEEP_INTERVAL_SECS', 60),
    },
    rateLimits: {
      enabled: bool('XMEDIA_RATE_LIMITS', true),
      windowSecs: int('XMEDIA_RATE_LIMIT_WINDOW_SECS', 900, 1),
      daySecs: int('XMEDIA_RATE_LIMIT_DAY_SECS', 86_400, 1),
      endpoints,
    },
    secretKey: masterSecret,
    oauth: {
      accessTokenTtlSecs: int('XMEDIA_ACCESS_TOKEN_TTL_SECS', 7_200, 1),
      refreshTokenTtlSecs: int('XMEDIA_REFRESH_TOKEN_TTL_SECS', 15_552_000, 1),
      authorizationCodeTtlSecs: int('XMEDIA_AUTH_CODE_TTL_SECS', 30, 1),
      signInSessionTtlSecs: int('XMEDIA_SIGN_IN_SESSION_SECS', 3_600, 1),
      signInFailuresPerWindow: int('XMEDIA_SIGN_IN_FAILURE_LIMIT', 10),
      tokenFailuresPerMinute: int('XMEDIA_TOKEN_FAILURE_LIMIT', 100),
      oauth1TimestampWindowSecs: int('XMEDIA_OAUTH1_TIMESTAMP_WINDOW_SECS', 300, 1),
      oauth1AcceptXUrls: bool('XMEDIA_OAUTH1_ACCEPT_X_URLS', true),
    },
    devBootstrap: bool('XMEDIA_DEV_BOOTSTRAP', true),
    jsonMaxValues: int('XMEDIA_JSON_MAX_VALUES', 100_000, 1),
    connections: connectionLimits(int),
  };
  return deepFreeze(config);
}

function connectionLimits(int: (name: string, fallback: number, min?: number) => number): ConnectionLimits {
  const limits: ConnectionLimits = {
    headersTimeoutMs: int('XMEDIA_HEADERS_TIMEOUT_MS', 10_000),
    requestTimeoutMs: int('XMEDIA_REQUEST_TIMEOUT_MS', 300_000),
    keepAliveTimeoutMs: int('XMEDIA_KEEP_ALIVE_TIMEOUT_MS', 5_000),
    connectionIdleTimeoutMs: int('XMEDIA_CONNECTION_IDLE_TIMEOUT_MS', 30_000),
    maxConnections: int('XMEDIA_MAX_CONNECTIONS', 10_000),
    maxRequestsPerSocket: int('XMEDIA_MAX_REQUESTS_PER_SOCKET', 0),
  };
  // Node refuses a headers timeout longer than the whole request's.
  if (limits.requestTimeoutMs > 0 && limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError('XMEDIA_HEADERS_TIMEOUT_MS must not be longer than XMEDIA_REQUEST_TIMEOUT_MS');
  }
  return limits;
}

function optionalUrl(name: string, raw: string | undefined, protocols: readonly string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let protocol: string;
  try {
    protocol = new URL(raw).protocol;
  } catch {
    throw new ConfigError(`${name} is not a URL`);
  }
  if (!protocols.includes(protocol)) throw new ConfigError(`${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  return raw;
}

function withConfigFile(env: Env): Env {
  const file = env.XMEDIA_CONFIG;
  if (!file) return env;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`XMEDIA_CONFIG=${file}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`XMEDIA_CONFIG=${file}: expected a JSON object of setting names to values`);
  }
  const fromFile: Env = {};
  for (const [key, value] of Object.entries(parsed)) fromFile[key] = String(value);
  return { ...fromFile, ...definedOnly(env) };
}

function definedOnly(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

/**
 * "500/50000" → 500 per user per window, 50,000 per app per day; an optional third number is the per-user
 * daily cap, which otherwise equals the per-app one.
 */
function parseLimitPair(
  name: string,
  raw: string | undefined,
  defaults: { perWindow: number; perDay: number },
): EndpointLimits {
  if (raw === undefined || raw === '') return { ...defaults, perUserDay: defaults.perDay };
  const match = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?(?:\/\s*(\d+)\s*)?$/.exec(raw);
  if (!match) {
    throw new ConfigError(
      `${name} must look like "500/50000" or "500/50000/50000" (per window / per app per day / per user per day), got ${JSON.stringify(raw)}`,
    );
  }
  const perDay = match[2] === undefined ? defaults.perDay : Number(match[2]);
  return { perWindow: Number(match[1]), perDay, perUserDay: match[3] === undefined ? perDay : Number(match[3]) };
}

/** A master secret short enough to guess would make the encryption and cookie signatures worthless. */
function secretKey(raw: string | undefined): string | null {
  if (raw === undefined || raw === '') return null;
  if (raw.length < 32) throw new ConfigError('XMEDIA_SECRET_KEY must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  return raw;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
