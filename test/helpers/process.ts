import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tempDir } from './server.js';

/** The real xmedia processes (`node dist/main.js`, `node bin/xmedia.js`), for tests that need a process boundary. */

export const REPO_ROOT = path.resolve(fileURLToPath(import.meta.url), '../../..');
const DIST = path.join(REPO_ROOT, 'dist');
const BUILD_INFO = path.join(DIST, '.tsbuildinfo');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function distIsFresh(): boolean {
  if (!existsSync(path.join(DIST, 'main.js')) || !existsSync(path.join(DIST, 'cli', 'main.js')) || !existsSync(BUILD_INFO)) return false;
  return statSync(BUILD_INFO).mtimeMs >= newestMtimeMs(path.join(REPO_ROOT, 'src'));
}

/**
 * Builds dist/ when it is missing or older than src/ (`npm test` builds first, so then this does nothing;
 * `node scripts/run-tests.mjs <file>` may not have). Test files run in parallel, so one builds under a lock
 * while the others wait for it.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = path.join(tmpdir(), `xmedia-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  for (;;) {
    if (distIsFresh()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Someone else is building; a lock older than five minutes was left by a process that died.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await sleep(250);
      continue;
    }
    try {
      if (distIsFresh()) return;
      // As `npm run build`: tsc, then the server's bundle over tsc's dist/main.js.
      await run(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: REPO_ROOT });
      await run(process.execPath, [path.join(REPO_ROOT, 'scripts/bundle.mjs')], { cwd: REPO_ROOT });
      // tsc leaves .tsbuildinfo alone when no output changed; mark the build as current.
      const now = new Date();
      utimesSync(BUILD_INFO, now, now);
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** A TCP port nobody listens on right now (the kernel's pick for port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an error. */
export function run(file: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** `node bin/xmedia.js ...args` against a data directory. */
export function runCli(args: readonly string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return run(process.execPath, [path.join(REPO_ROOT, 'bin/xmedia.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, XMEDIA_DATA_DIR: dataDir, XMEDIA_LOG_LEVEL: 'warn', ...env },
  });
}

export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
  /** SIGTERM, the clean shutdown; resolves to the exit code. */
  stop(): Promise<number | string>;
}

/**
 * Starts `node dist/main.js` on a free port and resolves once it has printed its start-up hint. The port is free
 * when chosen but may be taken by another test file's process before this one listens: then it tries another.
 * `nodeArgs` go to node itself, before the entry point.
 */
export async function startServerProcess(dataDir: string, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(await freePort(), dataDir, env, nodeArgs);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === 5) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function startOnPort(port: number, dataDir: string, env: NodeJS.ProcessEnv, nodeArgs: readonly string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(DIST, 'main.js')], {
    cwd: REPO_ROOT,
    env: { ...process.env, XMEDIA_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), XMEDIA_LOG_LEVEL: 'warn', XMEDIA_PUBLIC_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let ended = false;
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve(code ?? signal ?? -1);
    }),
  );
  const deadline = Date.now() + 30_000;
  while (!stdout.includes('xmedia is serving') && !ended && Date.now() < deadline) await sleep(20);
  if (!stdout.includes('xmedia is serving')) {
    child.kill('SIGKILL');
    const message = `xmedia did not start.\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    throw stderr.includes(`port ${port} on 127.0.0.1 is taken`) ? new PortTakenError(message) : new Error(message);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stdout: () => stdout,
    exited,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * For a suite of server processes, called in its `describe`: builds dist/ before the suite and, after it, kills
 * the processes still running and deletes the data directories. `dataDir()` makes a directory that is deleted
 * then, `start()` a process that is killed then if it is still running.
 */
export function serverProcesses(prefix: string): {
  dataDir(): string;
  start(dataDir: string, env: NodeJS.ProcessEnv): Promise<ServerProcess>;
} {
  const dirs: string[] = [];
  const running = new Set<ServerProcess>();
  before(() => ensureBuilt());
  after(async () => {
    for (const server of running) await server.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dataDir() {
      const dir = tempDir(prefix);
      dirs.push(dir);
      return dir;
    },
    async start(dataDir, env) {
      const server = await startServerProcess(dataDir, env);
      running.add(server);
      void server.exited.then(() => running.delete(server));
      return server;
    },
  };
}

/** The dev user's token from the first-start hint (the curl line's `Bearer <token>`), if the hint has one. */
export function tokenFromHint(stdout: string): string | undefined {
  return /Bearer ([A-Za-z0-9._~-]+)'/.exec(stdout)?.[1];
}

/** Resident memory of a process now, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb[1]) * 1024;
}
