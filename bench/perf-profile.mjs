#!/usr/bin/env node
// `npm run bench:profile -- metadata|lookup`: what xmedia's server does per request beyond what bare node:http does
// for the same request stream, by Linux perf (docs/PERFORMANCE.md, sixth pass). Each server runs alone on the last
// CPU (`taskset`), autocannon on the first; after a warm-up, `perf record` samples the server for 6 s of a 7 s load
// at c=32, and the two profiles are compared symbol by symbol in samples per 1,000 requests (at perf's 4,999 Hz,
// one sample per 1,000 requests is 0.2 µs of each request). For lookups the bare server replays xmedia's own
// answer, headers and body. JIT-compiled functions are named through `node --perf-basic-prof`. Needs `perf`
// (Debian: linux-perf) and `taskset`.
//
// PROFILE_CALLERS=<regular expression>: also record call graphs, and list the JavaScript functions that called
// xmedia's symbols matching it (the first JS frame above each sample's matching frame). That is how the seventh
// pass found who sent node's per-request work through `Runtime_DefineKeyedOwnPropertyInLiteral`.
// PROFILE_ROWS: how many symbols the table shows (30).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { answerOf, startBare } from './lib/bare.mjs';
import { distinctSeedBodies } from './lib/bodies.mjs';
import { load } from './lib/load.mjs';
import { pinSelf } from './lib/processes.mjs';
import { seedMetadata, uploadImages, xmediaWithImage } from './lib/xmedia.mjs';

const route = process.argv[2] ?? 'metadata';
if (route !== 'metadata' && route !== 'lookup') throw new Error(`bench:profile: metadata or lookup, not ${route}`);
if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench:profile needs Linux perf (Debian: apt-get install linux-perf)');
  process.exit(2);
}
const HZ = 4999;
const SAMPLE_SECS = 6;
const SHOWN = Number(process.env.PROFILE_ROWS ?? 30);
const CALLERS = process.env.PROFILE_CALLERS ? new RegExp(process.env.PROFILE_CALLERS) : undefined;
const serverCpu = String(availableParallelism() - 1);
pinSelf('0');

const scratch = mkdtempSync(path.join(tmpdir(), 'xmedia-profile-'));
const servers = { nodeArgs: ['--perf-basic-prof'], cpus: serverCpu };
const x = await xmediaWithImage('profile', {}, servers);
let bare;
try {
  const auth = { authorization: `Bearer ${x.token}` };
  let requestPath;
  let request;
  if (route === 'metadata') {
    const mediaIds = [x.mediaId, ...(await uploadImages(x.server.url, x.token, 15))];
    requestPath = '/2/media/metadata/create';
    request = { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, makeBody: distinctSeedBodies(mediaIds) };
    bare = await startBare(undefined, servers);
  } else {
    await seedMetadata(x.server.url, x.token, x.mediaId);
    requestPath = `/2/media/3_${x.mediaId}?media.fields=alt_text`;
    request = { headers: auth };
    bare = await startBare(await answerOf({ url: `${x.server.url}${requestPath}`, ...request }), servers);
  }
  const profiles = {};
  for (const [name, server] of [['bare node:http', bare], ['xmedia', x.server]]) {
    profiles[name] = await profile(server.child.pid, { ...request, url: `${server.url}${requestPath}` }, path.join(scratch, `${name.replace(/\W/g, '')}.data`));
    console.error(`  ${name}: ${Math.round(profiles[name].requestsPerSec)} req/s, ${profiles[name].usPerRequest.toFixed(1)} µs of samples per request`);
  }
  report(profiles['bare node:http'], profiles.xmedia);
  if (CALLERS) reportCallers(path.join(scratch, 'xmedia.data'));
} finally {
  await Promise.all([x.server.stop(), bare?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
}

/** Samples per 1,000 requests by symbol, for a 7 s load of which perf records 6 s (after a 3 s warm-up). */
async function profile(pid, request, file) {
  await load({ ...request, durationSecs: 3 });
  const perf = spawn('perf', ['record', ...(CALLERS ? ['-g'] : []), '-F', String(HZ), '-p', String(pid), '-o', file, '--', 'sleep', String(SAMPLE_SECS)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  const result = await load({ ...request, durationSecs: SAMPLE_SECS + 1 });
  await exited;
  if (result.failures) throw new Error(`${result.failures} failed requests while profiling`);
  const requests = (result.requestsPerSec * SAMPLE_SECS) / 1000;
  const out = spawnSync('perf', ['report', '-i', file, '--stdio', '--sort', 'sym', '-n', '--no-children', '-g', 'none'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const bySymbol = new Map();
  for (const line of out.stdout.split('\n')) {
    const match = /^\s+[\d.]+%\s+(\d+)\s+(.*\S)\s*$/.exec(line);
    if (match) bySymbol.set(match[2], Number(match[1]) / requests);
  }
  const total = [...bySymbol.values()].reduce((a, b) => a + b, 0);
  return { requestsPerSec: result.requestsPerSec, bySymbol, usPerRequest: (total * 1e6) / HZ / 1000 };
}

function report(bare, xmedia) {
  const names = new Set([...bare.bySymbol.keys(), ...xmedia.bySymbol.keys()]);
  const rows = [...names].map((name) => ({ name, bare: bare.bySymbol.get(name) ?? 0, xmedia: xmedia.bySymbol.get(name) ?? 0 }));
  rows.sort((a, b) => b.xmedia - b.bare - (a.xmedia - a.bare));
  const f = (n) => n.toFixed(2);
  console.log(`route: ${route}; samples per 1,000 requests (× 0.2 = µs per request); the ${SHOWN} symbols that grew most\n`);
  console.log('| bare node:http | xmedia | xmedia − bare | symbol |\n|---:|---:|---:|---|');
  for (const row of rows.slice(0, SHOWN)) console.log(`| ${f(row.bare)} | ${f(row.xmedia)} | ${f(row.xmedia - row.bare)} | \`${row.name.slice(0, 100)}\` |`);
  console.log(`\nper request: bare node:http ${bare.usPerRequest.toFixed(1)} µs, xmedia ${xmedia.usPerRequest.toFixed(1)} µs (samples of the server's threads)`);
}

/** The JS functions right above each sample's frame matching CALLERS, counted (`perf script` of a -g recording). */
function reportCallers(file) {
  const out = spawnSync('perf', ['script', '-i', file], { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024 });
  const counts = new Map();
  for (const sample of out.stdout.split('\n\n')) {
    const frames = sample.split('\n').slice(1).map((line) => line.trim().split(/\s+/)[1] ?? '');
    const at = frames.findIndex((symbol) => CALLERS.test(symbol));
    if (at === -1) continue;
    const caller = frames.slice(at + 1).find((symbol) => symbol.startsWith('JS:'))?.replace(/\+0x[0-9a-f]+$/, '') ?? '(no JS caller)';
    const key = `${frames[at].replace(/\+0x[0-9a-f]+$/, '')} ← ${caller}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [...counts].sort((a, b) => b[1] - a[1]).slice(0, SHOWN);
  console.log(`\nxmedia's samples in symbols matching ${CALLERS}, by the JavaScript function above them:\n`);
  console.log('| samples | symbol ← caller |\n|---:|---|');
  for (const [key, n] of rows) console.log(`| ${n} | \`${key.slice(0, 140)}\` |`);
  if (rows.length === 0) console.log('| 0 | (none) |');
}
