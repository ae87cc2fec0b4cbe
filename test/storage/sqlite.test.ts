import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/store.js';
import { tempDir } from '../helpers/server.js';
import { runStoreContract } from './contract.js';

runStoreContract('SQLite', async () => {
  const dir = tempDir('xmedia-store-');
  const store = new SqliteStore(path.join(dir, 'contract.sqlite'));
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
