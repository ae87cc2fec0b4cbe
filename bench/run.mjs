#!/usr/bin/env node
// `npm run bench`: xmedia against the ceiling (bare node:http) and its peers, side by side in one run.
//
//   npm run bench                         every scenario
//   npm run bench -- metadata lookup      some scenarios
//   npm run bench -- --rounds 3 --duration 10 --connections 32
//   AB_MAIN_A=old/dist/main.js AB_ROUTE=lookup AB_TOGETHER=1 npm run bench -- ab   two builds, CPU per request
//
// Each scenario starts its targets once, warms them up, then runs `rounds` rounds of `duration` seconds,
// interleaving the targets within each round so that the shared machine's noise hits them alike, and
// reports medians and ratios. Results are also written to .bench-results/<time>.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { load, median } from './lib/load.mjs';
import { cpuSeconds, freePort, rssMiB, startProcess } from './lib/processes.mjs';
import { benchEnv, createBenchSchema, createToken, newDataDir, seedRows, startXmedia, uploadSampleImage } from './lib/xmedia.mjs';
import { chunkedUpload, rawUpload } from './lib/upload.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rows: { type: 'string', default: '1000000' },
    'upload-mb': { type: 'string', default: '256' },
  },
});
const ROUNDS = Number(opts.rounds);
const DURATION = Number(opts.duration);
const CONNECTIONS = Number(opts.connections);
const SCENARIOS = { metadata, datasize, lookup, upload, startup, scale, ab };
// `ab` compares two configurations on demand; it is not part of the default run.
const chosen = positionals.length > 0 ? positionals : Object.keys(SCENARIOS).filter((name) => name !== 'ab');

const SEED_METADATA_DOMAIN = {
  allowDownload: true,
  altText: 'dancing cat',
  foundMediaOrigin: { id: '<string>', provider: 'giphy' },
  stickers: [{ aspect_ratio: 123, group_annotation_id: 123, id: '<string>', sticker_set_annotation_id: 123, transform_a: 123, transform_b: 123, transform_c: 123, transform_d: 123, transform_tx: 123, transform_ty: 123 }],
  uploadSource: '<string>',
};

/**
 * The seed's full body, except `allow_download` as the JSON boolean X's schema types it: the seed's own
 * string "true" would make Prism (which validates against X's schema) answer 422 instead of mocking a 200.
 */
function seedBody(mediaId) {
  return JSON.stringify({
    allow_download_status: { allow_download: true },
    alt_text: { text: 'dancing cat' },
    found_media_origin: { id: '<string>', provider: 'giphy' },
    media_id: mediaId,
    sticker_info: { stickers: SEED_METADATA_DOMAIN.stickers },
    upload_source: { text: '<string>' },
  });
}

/**
 * Loads one target: a request, or an array of requests (one per instance) run at once, the connections split
 * between them, their throughputs added and the worst p99 kept.
 */
async function loadTarget(target, durationSecs) {
  const requests = Array.isArray(target.request) ? target.request : [target.request];
  const share = Math.ceil(CONNECTIONS / requests.length);
  const results = await Promise.all(requests.map((r) => load({ ...r, connections: share, durationSecs })));
  return {
    requestsPerSec: results.reduce((n, r) => n + r.requestsPerSec, 0),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    failures: results.reduce((n, r) => n + r.failures, 0),
  };
}

/** Runs `rounds` interleaved rounds over the targets; returns medians per target. */
async function compare(targets) {
  for (const t of targets) await loadTarget(t, 3); // warm-up
  const samples = new Map(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const t of targets) {
      const result = await loadTarget(t, DURATION);
      samples.get(t.name).push(result);
      console.error(`  round ${round} ${t.name}: ${Math.round(result.requestsPerSec)} req/s, p99 ${result.p99Ms} ms${result.failures ? `, ${result.failures} failures` : ''}`);
    }
  }
  return targets.map((t) => {
    const s = samples.get(t.name);
    return {
      name: t.name,
      requestsPerSec: Math.round(median(s.map((r) => r.requestsPerSec))),
      p99Ms: median(s.map((r) => r.p99Ms)),
      failures: s.reduce((n, r) => n + r.failures, 0),
      perRound: s.map((r) => r.requestsPerSec),
    };
  });
}

/**
 * Ratios two ways: of the medians, and the median of the ratios within each round (targets of one round run
 * back to back, so a slow phase of the shared machine hits them alike; steadier when the machine is busy).
 */
function table(rows, baseline) {
  const base = rows.find((r) => r.name === baseline);
  const lines = [`| target | req/s | p99 ms | ÷ ${baseline} | per-round ratios | median of per-round ratios |`, '|---|---:|---:|---:|---|---:|'];
  for (const r of rows) {
    const ratios = r.perRound.map((value, i) => value / base.perRound[i]);
    lines.push(
      `| ${r.name} | ${r.requestsPerSec.toLocaleString('en-US')} | ${r.p99Ms} | ${(r.requestsPerSec / base.requestsPerSec).toFixed(2)} | ` +
        `${ratios.map((x) => x.toFixed(2)).join(', ')} | ${median(ratios).toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

async function startBare() {
  const port = await freePort();
  const server = await startProcess('bare node:http', [path.join(import.meta.dirname, 'targets/bare-http.mjs')], { PORT: String(port) });
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/** Prism 5 from npm, installed on first use into bench/.tools (not a dependency of xmedia). */
async function startPrism() {
  const tools = path.join(import.meta.dirname, '.tools');
  const bin = path.join(tools, 'node_modules/@stoplight/prism-cli/dist/index.js');
  if (!existsSync(bin)) {
    console.error('  installing @stoplight/prism-cli@5 into bench/.tools ...');
    execSync(`npm install --prefix ${JSON.stringify(tools)} --no-audit --no-fund @stoplight/prism-cli@5`, { stdio: 'inherit' });
  }
  const spec = path.resolve(root, '../shared/x-spec/openapi-media-2025-02.json');
  const port = await freePort();
  const server = await startProcess('prism', [bin, 'mock', '--port', String(port), '--host', '127.0.0.1', spec], {}, {
    readyUrl: `http://127.0.0.1:${port}/2/media/upload?media_id=1`,
    timeoutMs: 60_000,
  });
  return { ...server, url: `http://127.0.0.1:${port}` };
}

async function xmediaWithImage(label, extraEnv = {}, main = undefined) {
  const dataDir = newDataDir(label);
  const env = benchEnv(dataDir, extraEnv);
  const server = await startXmedia(`xmedia ${label}`, env, { main });
  const token = createToken(env);
  const mediaId = await uploadSampleImage(server.url, token);
  return { server, token, mediaId, dataDir, env };
}

async function metadata() {
  const bare = await startBare();
  const fastifyPort = await freePort();
  const fastify = await startProcess('fastify', [path.join(import.meta.dirname, 'targets/fastify-schema.mjs')], { PORT: String(fastifyPort) });
  const x = await xmediaWithImage('metadata');
  const prism = existsSync(path.resolve(root, '../shared/x-spec')) ? await startPrism() : undefined;
  const body = seedBody(x.mediaId);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${x.token}` };
  const post = (url) => ({ url: `${url}/2/media/metadata/create`, method: 'POST', headers, body });
  const targets = [
    { name: 'bare node:http', request: post(bare.url) },
    { name: 'Fastify + schema, no storage', request: post(`http://127.0.0.1:${fastifyPort}`) },
    { name: 'xmedia (SQLite, durable)', request: post(x.server.url) },
    ...(prism ? [{ name: 'Prism 5 mock', request: post(prism.url) }] : []),
  ];
  try {
    const rows = await compare(targets);
    return { rows, table: table(rows, 'bare node:http') };
  } finally {
    await Promise.all([bare.stop(), fastify.stop(), x.server.stop(), prism?.stop()]);
  }
}

async function datasize() {
  const rows = Number(opts.rows);
  const small = await xmediaWithImage('1k');
  const large = await xmediaWithImage(`${rows}`);
  await Promise.all([small.server.stop(), large.server.stop()]);
  console.error(`  seeding ${rows.toLocaleString('en-US')} rows ...`);
  seedRows(small.dataDir, 1000, SEED_METADATA_DOMAIN);
  seedRows(large.dataDir, rows, SEED_METADATA_DOMAIN);
  const smallServer = await startXmedia('xmedia 1k', small.env);
  const largeServer = await startXmedia('xmedia large', large.env);
  const request = (x, server) => ({
    url: `${server.url}/2/media/metadata/create`,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${x.token}` },
    body: seedBody(x.mediaId),
  });
  const targets = [
    { name: 'xmedia, 1,000 rows', request: request(small, smallServer) },
    { name: `xmedia, ${rows.toLocaleString('en-US')} rows`, request: request(large, largeServer) },
  ];
  try {
    const result = await compare(targets);
    return { rows: result, table: table(result, 'xmedia, 1,000 rows') };
  } finally {
    await Promise.all([smallServer.stop(), largeServer.stop()]);
  }
}

async function lookup() {
  const bare = await startBare();
  const x = await xmediaWithImage('lookup');
  await fetch(`${x.server.url}/2/media/metadata/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${x.token}` },
    body: seedBody(x.mediaId),
  });
  const get = (url) => ({ url: `${url}/2/media/3_${x.mediaId}?media.fields=alt_text`, headers: { authorization: `Bearer ${x.token}` } });
  const targets = [
    { name: 'bare node:http', request: get(bare.url) },
    { name: 'xmedia GET /2/media/{key}', request: get(x.server.url) },
  ];
  try {
    const rows = await compare(targets);
    return { rows, table: table(rows, 'bare node:http') };
  } finally {
    await Promise.all([bare.stop(), x.server.stop()]);
  }
}

async function upload() {
  const totalMiB = Number(opts['upload-mb']);
  const chunkMiB = 4;
  const port = await freePort();
  const bareDir = newDataDir('bare-upload');
  const bare = await startProcess('bare upload', [path.join(import.meta.dirname, 'targets/bare-upload.mjs')], { PORT: String(port), BENCH_DIR: bareDir });
  const x = await xmediaWithImage('upload');
  const rows = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const bareResult = await rawUpload(`http://127.0.0.1:${port}/`, totalMiB, chunkMiB, bare.child.pid);
      const xResult = await chunkedUpload(x.server.url, x.token, totalMiB, chunkMiB, x.server.child.pid);
      console.error(`  round ${round}: bare ${bareResult.mibPerSec.toFixed(0)} MiB/s; xmedia ${xResult.mibPerSec.toFixed(0)} MiB/s, peak RSS ${xResult.peakRssMiB.toFixed(0)} MiB`);
      rows.push({ bare: bareResult, xmedia: xResult });
    }
  } finally {
    await Promise.all([bare.stop(), x.server.stop()]);
  }
  const bareSpeed = median(rows.map((r) => r.bare.mibPerSec));
  const xSpeed = median(rows.map((r) => r.xmedia.mibPerSec));
  const peak = Math.max(...rows.map((r) => r.xmedia.peakRssMiB));
  return {
    rows,
    table: [
      `| target (${totalMiB} MiB in ${chunkMiB} MiB appends) | MiB/s | peak RSS MiB | ÷ bare |`,
      '|---|---:|---:|---:|',
      `| bare node:http → file + fsync | ${bareSpeed.toFixed(0)} | ${median(rows.map((r) => r.bare.peakRssMiB)).toFixed(0)} | 1.00 |`,
      `| xmedia chunked upload | ${xSpeed.toFixed(0)} | ${peak.toFixed(0)} | ${(xSpeed / bareSpeed).toFixed(2)} |`,
    ].join('\n'),
  };
}

/**
 * Issue 5's deployment on this one machine: 1 vs 3 instances sharing PostgreSQL and Redis (and a blob
 * directory), the same total load (c connections, split between the instances).
 */
async function scale() {
  const schema = await createBenchSchema('bench');
  const blobDir = newDataDir('scale-blobs');
  const shared = {
    DATABASE_URL: schema.url,
    REDIS_URL: process.env.XMEDIA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    XMEDIA_REDIS_PREFIX: `${schema.name}:`,
    XMEDIA_SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123',
    XMEDIA_BLOB_DIR: blobDir,
  };
  const instances = [];
  try {
    for (let n = 0; n < 3; n++) instances.push(await startXmedia(`xmedia pg #${n + 1}`, benchEnv(newDataDir(`scale-${n}`), shared)));
    const env = benchEnv(newDataDir('scale-cli'), shared);
    const token = createToken(env);
    // 64 media items, written in turn: many users' media rather than one hot row every instance waits on.
    const mediaIds = [];
    for (let n = 0; n < 64; n++) mediaIds.push(await uploadSampleImage(instances[n % 3].url, token));
    const post = (instance) => ({
      url: `${instance.url}/2/media/metadata/create`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      bodies: mediaIds.map(seedBody),
    });
    const targets = [
      { name: '1 instance (PostgreSQL + Redis)', request: post(instances[0]) },
      { name: '3 instances (PostgreSQL + Redis)', request: instances.map(post) },
    ];
    const rows = await compare(targets);
    return { rows, table: table(rows, '1 instance (PostgreSQL + Redis)') };
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
    await schema.drop();
  }
}

/**
 * A/B of two xmedia builds or settings: AB_ENV_A / AB_ENV_B (JSON objects of extra environment), AB_MAIN_A /
 * AB_MAIN_B (entry points of two builds, dist/main.js by default), AB_ROUTE=metadata (default) or lookup.
 * Each round loads both, in alternating order (A B, B A, ...), or with AB_TOGETHER=1 both at once (half the
 * connections each, so both sides see the same moments of the machine), and measures each server's CPU time
 * per request (from /proc: much steadier than req/s on a shared machine); the result is the median of the
 * per-round B ÷ A ratios, so slow phases of the machine hit both sides of a pair alike.
 */
async function ab() {
  const route = process.env.AB_ROUTE ?? 'metadata';
  if (route !== 'metadata' && route !== 'lookup') throw new Error(`AB_ROUTE: metadata or lookup, not ${route}`);
  const side = async (label) => {
    const main = process.env[`AB_MAIN_${label}`] ? path.resolve(process.env[`AB_MAIN_${label}`]) : undefined;
    const x = await xmediaWithImage(label, JSON.parse(process.env[`AB_ENV_${label}`] ?? '{}'), main);
    const headers = { authorization: `Bearer ${x.token}` };
    let request;
    if (route === 'metadata') {
      request = { url: `${x.server.url}/2/media/metadata/create`, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: seedBody(x.mediaId) };
    } else {
      const seeded = await fetch(`${x.server.url}/2/media/metadata/create`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: seedBody(x.mediaId) });
      if (!seeded.ok) throw new Error(`seeding metadata failed: ${seeded.status}`);
      request = { url: `${x.server.url}/2/media/3_${x.mediaId}?media.fields=alt_text`, headers };
    }
    return { name: label, x, request };
  };
  const sides = [await side('A'), await side('B')];
  const together = process.env.AB_TOGETHER === '1';
  const measure = async (s, durationSecs) => {
    const pid = s.x.server.child.pid;
    const cpuBefore = cpuSeconds(pid);
    const result = await load({ ...s.request, connections: together ? Math.ceil(CONNECTIONS / 2) : CONNECTIONS, durationSecs });
    const cpuUsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.total;
    return { ...result, cpuUsPerRequest };
  };
  const log = (round, name, r) =>
    console.error(`  round ${round} ${name}: ${Math.round(r.requestsPerSec)} req/s, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request, p99 ${r.p99Ms} ms${r.failures ? `, ${r.failures} failures` : ''}`);
  try {
    for (const s of sides) await measure(s, 3); // warm-up
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const pair = {};
      if (together) {
        const [a, b] = await Promise.all(sides.map((s) => measure(s, DURATION)));
        Object.assign(pair, { A: a, B: b });
        for (const name of ['A', 'B']) log(round, name, pair[name]);
      } else {
        const order = round % 2 === 1 ? sides : [...sides].reverse();
        for (const s of order) {
          pair[s.name] = await measure(s, DURATION);
          log(round, s.name, pair[s.name]);
        }
      }
      rounds.push({ A: pair.A, B: pair.B, reqRatio: pair.B.requestsPerSec / pair.A.requestsPerSec, cpuRatio: pair.B.cpuUsPerRequest / pair.A.cpuUsPerRequest });
    }
    const med = (f) => median(rounds.map(f));
    const fmt = (label, r) => `| ${label} | ${Math.round(med((x) => x[r].requestsPerSec)).toLocaleString('en-US')} | ${med((x) => x[r].cpuUsPerRequest).toFixed(1)} | ${med((x) => x[r].p99Ms)} |`;
    return {
      rows: rounds,
      table: [
        `route: ${route}, ${ROUNDS} rounds of ${DURATION} s, c=${CONNECTIONS}, ${together ? 'A and B loaded together' : 'order alternating'}`,
        '',
        '| side | req/s (median) | µs CPU/request (median) | p99 ms |',
        '|---|---:|---:|---:|',
        fmt('A', 'A'),
        fmt('B', 'B'),
        '',
        `B ÷ A, median of paired rounds: req/s ${med((x) => x.reqRatio).toFixed(3)}, CPU/request ${med((x) => x.cpuRatio).toFixed(3)}` +
          ` (per round: ${rounds.map((x) => x.cpuRatio.toFixed(3)).join(', ')})`,
      ].join('\n'),
    };
  } finally {
    await Promise.all(sides.map((s) => s.x.server.stop()));
  }
}

async function startup() {
  const samples = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const dataDir = newDataDir('startup');
    const server = await startXmedia('xmedia cold', benchEnv(dataDir));
    const coldMs = server.readyAfterMs;
    await new Promise((r) => setTimeout(r, 2000));
    const idle = rssMiB(server.child.pid);
    await server.stop();
    samples.push({ coldMs, idleRssMiB: idle });
    console.error(`  round ${round}: first request served after ${coldMs} ms, idle RSS ${idle.toFixed(0)} MiB`);
  }
  return {
    rows: samples,
    table: [
      '| measure | median |',
      '|---|---:|',
      `| spawn → first served request (GET /health) | ${median(samples.map((s) => s.coldMs))} ms |`,
      `| idle RSS after start | ${median(samples.map((s) => s.idleRssMiB)).toFixed(0)} MiB |`,
    ].join('\n'),
  };
}

const results = { startedAt: new Date().toISOString(), node: process.version, rounds: ROUNDS, durationSecs: DURATION, connections: CONNECTIONS, scenarios: {} };
for (const name of chosen) {
  if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  console.error(`\n## ${name}`);
  const result = await SCENARIOS[name]();
  results.scenarios[name] = result;
  console.log(`\n### ${name}\n\n${result.table}\n`);
}
const outDir = path.join(root, '.bench-results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.error(`\nresults: ${path.relative(root, file)}`);
