import type { Config } from '../config.js';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { BlobStore } from './blobs/blob-store.js';
import { SqliteStore } from './sqlite/store.js';
import type { Store } from './store.js';

/** Picks the storage backends the configuration asks for. */
export function openStore(config: Config): Store {
  return SqliteStore.open(config.dataDir);
}

export function openBlobStore(config: Config): BlobStore {
  return new FsBlobStore(config.blobDir);
}
