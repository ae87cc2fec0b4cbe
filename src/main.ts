// First, before anything else loads: see the module.
import './preload.js';
import { firstStartHint } from './bootstrap.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { closeContext, createContext, type AppContext } from './context.js';
import type { FastifyInstance } from 'fastify';
import { buildServer } from './http/server.js';

/** `npm start`: read the configuration, serve the API, print how to make the first call. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`xmedia: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  let ctx: AppContext;
  try {
    ctx = await createContext(config);
  } catch (error) {
    process.stderr.write(`xmedia: cannot open storage: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const app = await buildServer(ctx);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `xmedia: port ${config.port} on ${config.host} is taken; set PORT to another port.\n`
        : `xmedia: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`,
    );
    await closeContext(ctx);
    process.exit(1);
  }
  process.stdout.write(`${await firstStartHint(ctx)}\n`);

  shutDownOnSignals(app, ctx, config.shutdownTimeoutMs);
}

/** After the grace period has cut the requests still under way, how long closing the storage may take. */
const CLOSE_STORAGE_MS = 5_000;

/**
 * SIGTERM or SIGINT: stop accepting, let the requests under way finish (new ones on open connections get 503,
 * see closeConnectionsWhenDone in src/http/server.ts), stop the expiry sweeper, close the database (SQLite
 * checkpoints its WAL) and Redis, exit 0. Requests still running after `graceMs` are cut, and the process
 * exits 1. A second signal cuts them at once (exit 1). docs/RELIABILITY.md, "Graceful shutdown".
 */
function shutDownOnSignals(app: FastifyInstance, ctx: AppContext, graceMs: number): void {
  let stopping = false;
  /** 1 once a request has been cut or something failed to close. */
  let exitCode = 0;
  let closing: Promise<void> | undefined;
  const closeStorage = (): Promise<void> => (closing ??= closeContext(ctx));
  const exitAfterClosingStorage = (code: number): void => {
    exitCode = Math.max(exitCode, code);
    setTimeout(() => process.exit(1), CLOSE_STORAGE_MS).unref();
    closeStorage().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        app.log.error({ err: error }, 'closing storage failed');
        process.exit(1);
      },
    );
  };
  const cut = (why: string): void => {
    app.log.warn(why);
    app.server.closeAllConnections();
    exitAfterClosingStorage(1);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      cut(`${signal} again: cutting the requests under way`);
      return;
    }
    stopping = true;
    app.log.info({ signal, graceMs }, 'shutting down: finishing the requests under way');
    const grace = setTimeout(() => cut(`requests still under way after ${graceMs} ms: cutting them`), graceMs);
    app.close().then(
      () => {
        clearTimeout(grace);
        exitAfterClosingStorage(0);
      },
      (error: unknown) => {
        clearTimeout(grace);
        app.log.error({ err: error }, 'closing the server failed');
        exitAfterClosingStorage(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

await main();
