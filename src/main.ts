import { firstStartHint } from './bootstrap.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { closeContext, createContext, type AppContext } from './context.js';
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

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await closeContext(ctx);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
