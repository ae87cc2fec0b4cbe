import { hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

const SECRET_KEY_FILE = 'secret.key';

/** Keys derived from the one master secret, each for one purpose, so no key is ever used for two things. */
export interface DerivedKeys {
  /** AES-256-GCM key for OAuth 1.0a secrets at rest. */
  readonly secrets: Buffer;
  /** HMAC key for the consent page's cookies and CSRF tokens. */
  readonly cookies: Buffer;
}

/**
 * The master secret: XMEDIA_SECRET_KEY when set (required when several instances share a database, since
 * they must all decrypt the same rows); otherwise a random key generated once into `<dataDir>/secret.key`
 * with mode 0600, and read from there by the server and the CLI alike.
 */
export function loadMasterSecret(config: Config): string {
  if (config.secretKey !== null) return config.secretKey;
  const file = path.join(config.dataDir, SECRET_KEY_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(config.dataDir, { recursive: true });
  try {
    // 'wx': when two processes start at once, exactly one creates the file and the other reads it.
    writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

export function deriveKeys(master: string): DerivedKeys {
  const derive = (purpose: string): Buffer => Buffer.from(hkdfSync('sha256', master, 'xmedia', purpose, 32));
  return { secrets: derive('oauth1-secrets-v1'), cookies: derive('consent-cookies-v1') };
}
