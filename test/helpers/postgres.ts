import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A private schema in the test PostgreSQL (default postgres://postgres@127.0.0.1:5432/test, trust auth), so
 * test files never see each other's rows. When no server answers, `available` says why and suites skip —
 * unless XMEDIA_REQUIRE_POSTGRES=1 (CI sets it), where an unreachable server is a failure, not a skip.
 */
export const TEST_DATABASE_URL = process.env.XMEDIA_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  /** DATABASE_URL that selects the schema through search_path. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

let probe: Promise<string | undefined> | undefined;

/** Undefined when PostgreSQL answers; otherwise the reason to skip. */
export function postgresUnavailable(): Promise<string | undefined> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      const reason = `PostgreSQL not reachable at ${TEST_DATABASE_URL} (${(error as Error).message}); set XMEDIA_TEST_DATABASE_URL`;
      if (process.env.XMEDIA_REQUIRE_POSTGRES === '1') throw new Error(reason);
      return reason;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return probe;
}

export async function createTestSchema(): Promise<TestSchema> {
  const name = `xmedia_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA ${name} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
