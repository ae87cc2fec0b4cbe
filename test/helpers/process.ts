import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/** The real server as its own process (`node dist/main.js`), for tests that measure or kill it. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** The dev user's token, printed on first start (reused on later starts with the same data directory). */
  readonly token: string | undefined;
  /** Resident memory of the server process now, in bytes (Linux /proc). */
  rssBytes(): number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Builds dist/ when any source file is newer than dist/main.js (a test run on its own may follow edits). */
export function ensureBuilt(): void {
  const main = path.join(ROOT, 'dist', 'main.js');
  let builtAt = 0;
  try {
    builtAt = statSync(main).mtimeMs;
  } catch {
    // not built yet
  }
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? newest(full) : statSync(full).mtimeMs;
      }),
    );
  if (newest(path.join(ROOT, 'src')) <= builtAt) return;
  const build = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('npm run build failed');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `node dist/main.js` on a free port with `dataDir`, and waits until it serves. */
export async function spawnServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  ensureBuilt();
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), XMEDIA_DATA_DIR: dataDir, XMEDIA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('xmedia is serving')) setTimeout(resolve, 50); // the rest of the hint follows at once
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before serving:\n${output}`)));
  });
  const token = /Bearer ([A-Za-z0-9._~-]+)'/.exec(output)?.[1];
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    token,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
      if (!kb) throw new Error('no VmRSS in /proc status');
      return Number(kb[1]) * 1024;
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
