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
  /** Where media bytes live; `<dataDir>/blobs` unless set. */
  readonly blobDir: string;
  /** Host used in problem `type` URIs, e.g. https://api.twitter.com/2/problems/invalid-request. */
  readonly problemHost: string;
  readonly logLevel: string;
  /** Log one line per request. */
  readonly accessLog: boolean;
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
    readonly endpoints: Readonly<Record<RateLimitedEndpoint, { readonly perWindow: number; readonly perDay: number }>>;
  };
  /** Create a dev user, token and sample image on first start with an empty database. */
  readonly devBootstrap: boolean;
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
  const endpoints = {} as Record<RateLimitedEndpoint, { perWindow: number; perDay: number }>;
  for (const [endpoint, defaults] of Object.entries(RATE_LIMITED_ENDPOINTS) as [
    RateLimitedEndpoint,
    { perWindow: number; perDay: number },
  ][]) {
    const name = `XMEDIA_RATE_LIMIT_${endpoint.toUpperCase()}`;
    endpoints[endpoint] = parseLimitPair(name, source[name], defaults);
  }

  const config: Config = {
    host,
    port,
    publicUrl: str('XMEDIA_PUBLIC_URL', `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, ''),
    dataDir,
    blobDir: path.resolve(dataDir, str('XMEDIA_BLOB_DIR', 'blobs')),
    problemHost: str('XMEDIA_PROBLEM_HOST', 'https://api.twitter.com').replace(/\/+$/, ''),
    logLevel: str('XMEDIA_LOG_LEVEL', 'info'),
    accessLog: bool('XMEDIA_ACCESS_LOG', false),
    media: {
      expiresAfterSecs: int('XMEDIA_MEDIA_EXPIRES_AFTER_SECS', 86_400, 1),
      processingPendingMs: int('XMEDIA_PROCESSING_PENDING_MS', 1_000),
      processingMs: int('XMEDIA_PROCESSING_MS', 3_000),
      sweepIntervalSecs: int('XMEDIA_SWEEP_INTERVAL_SECS', 60),
    },
    rateLimits: {
      enabled: bool('XMEDIA_RATE_LIMITS', true),
      windowSecs: int('XMEDIA_RATE_LIMIT_WINDOW_SECS', 900, 1),
      endpoints,
    },
    devBootstrap: bool('XMEDIA_DEV_BOOTSTRAP', true),
  };
  return deepFreeze(config);
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

/** "500/50000" → 500 per window, 50,000 per day. */
function parseLimitPair(
  name: string,
  raw: string | undefined,
  defaults: { perWindow: number; perDay: number },
): { perWindow: number; perDay: number } {
  if (raw === undefined || raw === '') return defaults;
  const match = /^\s*(\d+)\s*(?:\/\s*(\d+)\s*)?$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must look like "500/50000" (per window / per day), got ${JSON.stringify(raw)}`);
  return { perWindow: Number(match[1]), perDay: match[2] === undefined ? defaults.perDay : Number(match[2]) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
