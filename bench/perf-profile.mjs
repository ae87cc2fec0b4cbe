#!/usr/bin/env node
// `npm run bench:profile -- metadata|lookup`: what xmedia's server does per request beyond what bare node:http does
// for the same request stream, by Linux perf (docs/PERFORMANCE.md, sixth pass). Each server runs alone on the last
// CPU (`taskset`), autocannon on the first; after a warm-up, `perf record` samples the server for 6 s of a 7 s load
// at c=32, and the two profiles are compared symbol by symbol in samples per 1,000 requests (at perf's 4,999 Hz,
// one sample per 1,000 requests is 0.2 µs of each request). For lookups the bare server replays xmedia's own
// answer, headers and body. JIT-compiled functions are named through `node --perf-basic-prof`. Needs `perf`
// (Debian: linux-perf) and `taskset`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { distinctSeedBodies, seedBody } from './lib/bodies.mjs';
import { load } from './lib/load.mjs';
import { freePort, pinSelf, startProcess } from './lib/processes.mjs';
import { benchEnv, createToken, newDataDir, startXmedia, uploadSampleImage } from './lib/xmedia.mjs';

const route = process.argv[2] ?? 'metadata';
if (route !== 'metadata' && route !== 'lookup') throw new Error(`bench:profile: metadata or lookup, not ${route}`);
if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench:profile needs Linux perf (Debian: apt-get install linux-perf)');
  process.exit(2);
}
const HZ = 4999;
const SAMPLE_SECS = 6;
const SHOWN = Number(process.env.PROFILE_ROWS ?? 30);
const serverCpu = String(availableParallelism() - 1);
pinSelf('0');

const scratch = mkdtempSync(path.join(tmpdir(), 'xmedia-profile-'));
const env = benchEnv(newDataDir('profile'));
const xmedia = await startXmedia('xmedia', env, { nodeArgs: ['--perf-basic-prof'], cpus: serverCpu });
let bare;
try {
  const token = createToken(env);
  const auth = { authorization: `Bearer ${token}` };
  const mediaIds = [];
  for (let n = 0; n < 16; n++) mediaIds.push(await uploadSampleImage(xmedia.url, token));
  const json = { ...auth, 'content-type': 'application/json' };
  let request;
  let bareAnswer;
  if (route === 'metadata') {
    request = { path: '/2/media/metadata/create', method: 'POST', headers: json, makeBody: distinctSeedBodies(mediaIds) };
  } else {
    await fetch(`${xmedia.url}/2/media/metadata/create`, { method: 'POST', headers: json, body: seedBody(mediaIds[0]) });
    request = { path: `/2/media/3_${mediaIds[0]}?media.fields=alt_text`, headers: auth };
    const answer = await fetch(`${xmedia.url}${request.path}`, { headers: auth });
    const headers = [];
    answer.headers.forEach((value, name) => {
      if (!['date', 'connection', 'keep-alive', 'content-length'].includes(name)) headers.push(name, value);
    });
    bareAnswer = { headers, body: await answer.text() };
  }
  const barePort = await freePort();
  bare = await startProcess(
    'bare node:http',
    ['--perf-basic-prof', path.join(import.meta.dirname, 'targets/bare-http.mjs')],
    { PORT: String(barePort), ...(bareAnswer && { BARE_ANSWER: JSON.stringify(bareAnswer) }) },
    { cpus: serverCpu },
  );
  const profiles = {};
  for (const [name, server, url] of [['bare node:http', bare, `http://127.0.0.1:${barePort}`], ['xmedia', xmedia, xmedia.url]]) {
    profiles[name] = await profile(server.child.pid, { ...request, url: `${url}${request.path}` }, path.join(scratch, `${name.replace(/\W/g, '')}.data`));
    console.error(`  ${name}: ${Math.round(profiles[name].requestsPerSec)} req/s, ${profiles[name].usPerRequest.toFixed(1)} µs of samples per request`);
  }
  report(profiles['bare node:http'], profiles.xmedia);
} finally {
  await Promise.all([xmedia.stop(), bare?.stop()]);
  rmSync(scratch, { recursive: true, force: true });
}

/** Samples per 1,000 requests by symbol, for a 7 s load of which perf records 6 s (after a 3 s warm-up). */
async function profile(pid, request, file) {
  await load({ ...request, durationSecs: 3 });
  const perf = spawn('perf', ['record', '-F', String(HZ), '-p', String(pid), '-o', file, '--', 'sleep', String(SAMPLE_SECS)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  const result = await load({ ...request, durationSecs: SAMPLE_SECS + 1 });
  await exited;
  if (result.failures) throw new Error(`${result.failures} failed requests while profiling`);
  const requests = (result.requestsPerSec * SAMPLE_SECS) / 1000;
  const out = spawnSync('perf', ['report', '-i', file, '--stdio', '--sort', 'sym', '-n'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
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
