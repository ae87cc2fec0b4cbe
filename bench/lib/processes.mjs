// Starting, watching and stopping the servers under test.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const OUTPUT_KEPT = 64 * 1024;

/**
 * Spawns `node <args>` with env; resolves once GET <readyPath> answers (or the process prints "ready"). `cpus`: a
 * CPU list for `taskset` to keep the process on (see pinSelf).
 */
export async function startProcess(name, args, env, { readyUrl, timeoutMs = 30_000, cpus } = {}) {
  const [command, argv] = cpus === undefined ? [process.execPath, args] : ['taskset', ['--cpu-list', cpus, process.execPath, ...args]];
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Only the tail is kept, for readiness and error messages: Prism logs ~600 bytes a request, tens of MB in a
  // scenario, which this process (the load generator) would otherwise hold while it measures.
  let output = '';
  const keep = (d) => (output = (output + d).slice(-OUTPUT_KEPT));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const started = Date.now();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${output}`);
    if (readyUrl) {
      try {
        const response = await fetch(readyUrl);
        await response.arrayBuffer();
        if (response.status < 500) break;
      } catch {}
    } else if (output.includes('ready')) break;
    if (Date.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    name,
    child,
    output: () => output,
    readyAfterMs: Date.now() - started,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Keeps this process (the load generator) on `cpus`. A server's CPU per request depends on whether the scheduler
 * lets it share the load generator's CPU, and a process keeps what it got for its whole life: two identical
 * servers have differed by a quarter (docs/PERFORMANCE.md, fifth pass). Pinning the generator to one CPU and the
 * servers to another reduces that to a few percent.
 */
export function pinSelf(cpus) {
  const result = spawnSync('taskset', ['--cpu-list', '--pid', cpus, String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin the load generator: ${result.error?.message ?? result.stderr}`);
}

/** Resident set size of a process, in MiB, from /proc. */
export function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (clock ticks of 10 ms). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples RSS every `everyMs` until stopped; returns the peak. */
export function watchRss(pid, everyMs = 50) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {}
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssMiB(pid));
      } catch {}
      return peak;
    },
  };
}

export function runNode(args, env) {
  const result = spawnSync(process.execPath, args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
