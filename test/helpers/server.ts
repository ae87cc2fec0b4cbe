import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_APP_NAME } from '../../src/auth/credentials.js';
import { DEFAULT_USER_SCOPES } from '../../src/auth/principal.js';
import { readConfig } from '../../src/config.js';
import { closeContext, createContext, type AppContext } from '../../src/context.js';
import { buildServer } from '../../src/http/server.js';

/** A real xmedia listening on a real port of 127.0.0.1, with its own SQLite file in a temporary directory. */
export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly ctx: AppContext;
  readonly dataDir: string;
  /** A user token (the user is created if needed). */
  token(username?: string, scopes?: readonly string[]): Promise<string>;
  appToken(): Promise<string>;
  userId(username: string): Promise<string>;
  close(): Promise<void>;
  /** Stops the server but keeps its data directory (another server shares or reopens it). */
  closeKeepingData(): Promise<void>;
}

export function tempDir(prefix = 'xmedia-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function startServer(env: Record<string, string> = {}, dataDir = tempDir()): Promise<TestServer> {
  const config = readConfig({
    XMEDIA_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    XMEDIA_LOG_LEVEL: 'silent',
    XMEDIA_DEV_BOOTSTRAP: 'off',
    ...env,
  });
  const ctx = await createContext(config);
  const app = await buildServer(ctx);
  await app.listen({ host: config.host, port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const closeKeepingData = async (): Promise<void> => {
    await app.close();
    await closeContext(ctx);
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    ctx,
    dataDir,
    async token(username = 'alice', scopes = DEFAULT_USER_SCOPES) {
      const user = await ctx.credentials.ensureUser(username);
      const appRecord = await ctx.credentials.ensureApp(DEFAULT_APP_NAME);
      return ctx.credentials.issueUserToken(user, appRecord, scopes, null);
    },
    async appToken() {
      return ctx.credentials.issueAppToken(await ctx.credentials.ensureApp(DEFAULT_APP_NAME));
    },
    async userId(username) {
      return (await ctx.credentials.ensureUser(username)).id;
    },
    async close() {
      await closeKeepingData();
      rmSync(dataDir, { recursive: true, force: true });
    },
    closeKeepingData,
  };
}
