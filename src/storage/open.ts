import type { Config } from '../config.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { BlobStore } from './blobs/blob-store.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './store.js';

/**
 * Picks the storage backend the configuration asks for: PostgreSQL when DATABASE_URL is set, else SQLite.
 * The PostgreSQL driver is loaded only when used, so the embedded default starts without it.
 */
export async function openStore(config: Config): Promise<Store> {
  if (config.databaseUrl) {
    const { PostgresStore } = await import('./postgres/store.js');
    return PostgresStore.open({ connectionString: config.databaseUrl, poolSize: config.databasePoolSize });
  }
  return SqliteStore.open(config.dataDir);
}

export function openBlobStore(config: Config): BlobStore {
  return new FsBlobStore(config.blobDir);
}
