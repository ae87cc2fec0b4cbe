import { describe, it } from 'node:test';
import { PostgresStore } from '../../src/storage/postgres/store.js';
import { createTestSchema, postgresUnavailable } from '../helpers/postgres.js';
import { runStoreContract } from './contract.js';

const unavailable = await postgresUnavailable();

if (unavailable) {
  describe('Store contract: PostgreSQL', () => {
    it('runs against a real PostgreSQL', { skip: unavailable }, () => {});
  });
} else {
  runStoreContract('PostgreSQL', async () => {
    const schema = await createTestSchema();
    const store = await PostgresStore.open({ connectionString: schema.url });
    return {
      store,
      async cleanup() {
        await store.close();
        await schema.drop();
      },
    };
  });
}
