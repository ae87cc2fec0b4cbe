#!/usr/bin/env node
// `npm run bench`: xmedia against the ceiling (bare node:http) and its peers, side by side in one run.
//
//   npm run bench                         every scenario but `ab` (metadata datasize lookup upload startup scale)
//   npm run bench -- --quick              the goals' scenarios, shortened: under 60 s (not scale)
//   npm run bench -- metadata lookup      some scenarios
//   npm run bench -- --rounds 3 --duration 10 --connections 32
//   AB_MAIN_A=old/dist/main.js AB_ROUTE=lookup AB_TOGETHER=1 npm run bench -- ab   two builds, CPU per request
//   AB_PIN=1 AB_MAIN_A=old/dist/main.js npm run bench -- ab   the same, load generator and servers on CPUs of their own
//   AB_TOGETHER=1 AB_PIN=1 ...                                 both: the tightest pairing; run it both ways round
//
// Each scenario starts its targets itself on 127.0.0.1, warms them up, then runs `rounds` rounds of `duration`
// seconds, interleaving the targets within each round (in an order that rotates from round to round) so that
// the shared machine's noise hits them alike, and stops everything it started. Per target it reports req/s,
// p50, p99, non-2xx answers and the server's peak RSS; at the end one table holds every target and every goal
// of issue 6. Any non-2xx answer, error or timeout fails the run, and so does a missed goal: the exit code is 1.
// Results are also written to .bench-results/<time>.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { answerOf, startBare } from './lib/bare.mjs';
import { distinctSeedBodies, SEED_METADATA_DOMAIN } from './lib/bodies.mjs';
import { load, median } from './lib/load.mjs';
import { cpuSeconds, freePort, pinSelf, rssMiB, startProcess, watchRss } from './lib/processes.mjs';
import {
  benchEnv,
  createBenchSchema,
  createToken,
  newDataDir,
  seedMetadata,
  seedRows,
  startXmedia,
  uploadImages,
  uploadSampleImage,
  userIdOf,
  xmediaWithImage,
} from './lib/xmedia.mjs';
import { chunkedUpload, rawUpload } from './lib/upload.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '32' },
    rows: { type: 'string' },
    'upload-mb': { type: 'string' },
  },
});
const QUICK = opts.quick;
const ROUNDS = Number(opts.rounds ?? (QUICK ? 1 : 3));
const DURATION = Number(opts.duration ?? (QUICK ? 2 : 10));
const WARMUP = Number(opts.warmup ?? (QUICK ? 1 : 3));
const CONNECTIONS = Number(opts.connections);
const ROWS = Number(opts.rows ?? (QUICK ? 20_000 : 1_000_000));
const UPLOAD_MIB = Number(opts['upload-mb'] ?? (QUICK ? 32 : 256));
const SCENARIOS = { metadata, datasize, lookup, upload, startup, scale, ab };
// `ab` compares two configurations on demand; it is not part of the default run. `scale` (issue 5, no goal
// here) starts three instances and PostgreSQL work that would not fit --quick's minute.
const chosen =
  positionals.length > 0 ? positionals : Object.keys(SCENARIOS).filter((name) => name !== 'ab' && !(QUICK && name === 'scale'));

/** Media items each write scenario spreads its writes over: many rows, none hot. */
const MEDIA_ITEMS = QUICK ? 64 : 128;
const MB_PER_MIB = 1.048576; // the goals' MB are 10^6 bytes: a figure in MiB is judged × 1.048576

/** Every problem that fails the run: non-2xx answers, errors, timeouts, scenarios that threw. */
const problems = [];

/**
 * Loads one target: a request, or an array of requests (one per instance) run at once, the connections split
 * between them, their throughputs added and the worst p50/p99 kept. Samples the servers' RSS (target.pids)
 * meanwhile.
 */
async function loadTarget(target, durationSecs) {
  const requests = Array.isArray(target.request) ? target.request : [target.request];
  const share = Math.ceil(CONNECTIONS / requests.length);
  const watchers = (target.pids ?? []).map((pid) => watchRss(pid, 200));
  const results = await Promise.all(requests.map((r) => load({ ...r, connections: share, durationSecs })));
  const peaks = watchers.map((w) => w.stop());
  return {
    requestsPerSec: results.reduce((n, r) => n + r.requestsPerSec, 0),
    p50Ms: Math.max(...results.map((r) => r.p50Ms)),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    failures: results.reduce((n, r) => n + r.failures, 0),
    detail: results.map((r) => `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`).join('; '),
    peakRssMiB: peaks.length ? Math.max(...peaks) : NaN,
  };
}

function checkFailures(scenario, target, phase, result) {
  const detail = result.detail ?? `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`;
  if (result.failures > 0) problems.push(`${scenario}: ${target} answered badly in ${phase}: ${detail}`);
}

/** Runs `rounds` interleaved rounds over the targets (warm-up included in the failure check); medians per target. */
async function compare(scenario, targets) {
  for (const t of targets) checkFailures(scenario, t.name, 'warm-up', await loadTarget(t, WARMUP));
  const samples = new Map(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    // The order rotates from round to round, so that no target always runs first (or last).
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]);
    for (const t of order) {
      const result = await loadTarget(t, DURATION);
      samples.get(t.name).push(result);
      checkFailures(scenario, t.name, `round ${round}`, result);
      console.error(
        `  round ${round} ${t.name}: ${Math.round(result.requestsPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `peak RSS ${result.peakRssMiB.toFixed(0)} MiB${result.failures ? `, FAILURES: ${result.detail}` : ''}`,
      );
    }
  }
  return targets.map((t) => {
    const s = samples.get(t.name);
    return {
      name: t.name,
      requestsPerSec: Math.round(median(s.map((r) => r.requestsPerSec))),
      p50Ms: median(s.map((r) => r.p50Ms)),
      p99Ms: median(s.map((r) => r.p99Ms)),
      non2xx: s.reduce((n, r) => n + r.failures, 0),
      peakRssMiB: Math.max(...s.map((r) => r.peakRssMiB)),
      perRound: s.map((r) => r.requestsPerSec),
      perRoundP99: s.map((r) => r.p99Ms),
    };
  });
}

/**
 * A ratio two ways: of the medians, and the median of the ratios within each round (targets of one round run
 * back to back, so a slow phase of the shared machine hits them alike; steadier when the machine is busy, and
 * the figure the goals are judged by).
 */
function ratio(rows, name, baseline, field = 'perRound') {
  const row = rows.find((r) => r.name === name);
  const base = rows.find((r) => r.name === baseline);
  const perRound = row[field].map((value, i) => value / base[field][i]);
  return { judged: median(perRound), ofMedians: median(row[field]) / median(base[field]), perRound };
}

function table(rows, baseline) {
  const lines = [
    `| target | req/s | p50 ms | p99 ms | non-2xx/errors | peak RSS MiB | ÷ ${baseline} | per-round ratios | median of per-round ratios |`,
    '|---|---:|---:|---:|---:|---:|---:|---|---:|',
  ];
  for (const r of rows) {
    const x = ratio(rows, r.name, baseline);
    lines.push(
      `| ${r.name} | ${r.requestsPerSec.toLocaleString('en-US')} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.peakRssMiB.toFixed(0)} | ` +
        `${x.ofMedians.toFixed(2)} | ${x.perRound.map((v) => v.toFixed(2)).join(', ')} | ${x.judged.toFixed(2)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Prism, pinned (exactly) as a devDependency: 5.15 and later need Node 24; 5.14.2 is the newest that runs on
 * Node 20 and serves X's document unmodified.
 */
const PRISM_VERSION = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies['@stoplight/prism-cli'];
/** Targets as the tables, the goals and the Prism comparison after the summary name them. */
const BARE = 'bare node:http';
const FASTIFY = 'Fastify + schema, no storage';
const PRISM = `Prism ${PRISM_VERSION} mock`;
async function startPrism() {
  const prismDir = path.join(root, 'node_modules/@stoplight/prism-cli');
  const installed = JSON.parse(readFileSync(path.join(prismDir, 'package.json'), 'utf8')).version;
  if (installed !== PRISM_VERSION) throw new Error(`Prism ${PRISM_VERSION} expected, ${installed} installed: run npm ci`);
  const bin = path.join(prismDir, 'dist/index.js');
  const spec = path.resolve(root, '../shared/x-spec/openapi-media-2025-02.json');
  const port = await freePort();
  const server = await startProcess('prism', [bin, 'mock', '--port', String(port), '--host', '127.0.0.1', spec], {}, {
    readyUrl: `http://127.0.0.1:${port}/2/media/upload?media_id=1`,
    timeoutMs: 60_000,
  });
  return { ...server, url: `http://127.0.0.1:${port}` };
}

/** After a write scenario: the stored alt text must be one the run wrote (the writes were real). */
async function assertWritten(scenario, name, url, token, mediaId) {
  const response = await fetch(`${url}/2/media/3_${mediaId}?media.fields=alt_text`, { headers: { authorization: `Bearer ${token}` } });
  const json = await response.json().catch(() => ({}));
  const text = json.data?.alt_text?.text ?? json.data?.alt_text;
  if (response.status !== 200 || !/^dancing cat \d+$/.test(String(text))) {
    problems.push(`${scenario}: ${name}: media ${mediaId} does not hold a written alt text after the run (${response.status} ${JSON.stringify(json)})`);
  }
}

/** PostgreSQL, when one answers (XMEDIA_BENCH_DATABASE_URL, default the local test database); else undefined. */
async function tryBenchSchema(label) {
  try {
    return await createBenchSchema(label);
  } catch (error) {
    console.error(`  PostgreSQL not reachable (${error.code ?? error.message}): xmedia on PostgreSQL not run`);
    return undefined;
  }
}

const PG_SECRET = 'bench-secret-bench-secret-bench-secret-0123';

async function metadata() {
  const started = [];
  let schema;
  try {
    // The targets start side by side (Prism alone takes ~2.5 s): `--quick` has a minute for everything. Each is
    // remembered as soon as it is up, so that `finally` stops it even when a sibling failed to start.
    const up = (server) => (started.push(server), server);
    const fastifyPort = await freePort();
    const prismSpec = path.resolve(root, '../shared/x-spec');
    const starts = await Promise.allSettled([
      startBare().then(up),
      startProcess('fastify', [path.join(import.meta.dirname, 'targets/fastify-schema.mjs')], { PORT: String(fastifyPort) }).then(up),
      xmediaWithImage('metadata').then(async (x) => {
        up(x.server);
        return { ...x, mediaIds: await uploadImages(x.server.url, x.token, MEDIA_ITEMS) };
      }),
      tryBenchSchema('metadata').then(async (created) => {
        schema = created;
        if (!created) return undefined;
        const pg = await xmediaWithImage('metadata-pg', { DATABASE_URL: created.url, XMEDIA_SECRET_KEY: PG_SECRET });
        up(pg.server);
        return { ...pg, mediaIds: await uploadImages(pg.server.url, pg.token, MEDIA_ITEMS) };
      }),
      existsSync(prismSpec) ? startPrism().then(up) : undefined,
    ]);
    const failed = starts.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [bare, fastify, x, pg, prism] = starts.map((s) => s.value);
    const mediaIds = x.mediaIds;
    const post = (url, token, ids) => ({
      url: `${url}/2/media/metadata/create`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      makeBody: distinctSeedBodies(ids),
    });
    const XMEDIA = 'xmedia (SQLite, durable)';
    const targets = [
      { name: BARE, request: post(bare.url, x.token, mediaIds), pids: [bare.child.pid] },
      { name: FASTIFY, request: post(`http://127.0.0.1:${fastifyPort}`, x.token, mediaIds), pids: [fastify.child.pid] },
      { name: XMEDIA, request: post(x.server.url, x.token, mediaIds), pids: [x.server.child.pid] },
      ...(pg ? [{ name: 'xmedia (PostgreSQL)', request: post(pg.server.url, pg.token, pg.mediaIds), pids: [pg.server.child.pid] }] : []),
      ...(prism ? [{ name: PRISM, request: post(prism.url, x.token, mediaIds), pids: [prism.child.pid] }] : []),
    ];
    const rows = await compare('metadata', targets);
    await assertWritten('metadata', XMEDIA, x.server.url, x.token, mediaIds[1]);
    if (pg) await assertWritten('metadata', 'xmedia (PostgreSQL)', pg.server.url, pg.token, pg.mediaIds[1]);
    const p99 = ratio(rows, XMEDIA, BARE, 'perRoundP99');
    return {
      rows,
      table: table(rows, BARE),
      targets: rows,
      goals: {
        'metadata-bare': { target: XMEDIA, ...ratio(rows, XMEDIA, BARE) },
        'metadata-prism': prism ? { target: XMEDIA, ...ratio(rows, XMEDIA, PRISM) } : { notRun: 'Prism not available (no ../shared/x-spec)' },
        'metadata-p99': { target: XMEDIA, ...p99 },
      },
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await schema?.drop();
  }
}

async function datasize() {
  const count = ROWS;
  const small = await xmediaWithImage('1k');
  const large = await xmediaWithImage(`${count}`);
  await Promise.all([small.server.stop(), large.server.stop()]);
  console.error(`  seeding 1,000 and ${count.toLocaleString('en-US')} rows, owned by the token's user ...`);
  // Every seeded row belongs to the token's user, so the writes can go to any of them: MEDIA_ITEMS ids spread
  // evenly over the whole table (the larger table's hot rows are as far apart as its size makes them).
  const spread = (ids) => Array.from({ length: MEDIA_ITEMS }, (_, i) => ids[Math.floor((i * ids.length) / MEDIA_ITEMS)]);
  const smallIds = spread(seedRows(small.dataDir, 1000, SEED_METADATA_DOMAIN, userIdOf(small.dataDir, 'bench')));
  const largeIds = spread(seedRows(large.dataDir, count, SEED_METADATA_DOMAIN, userIdOf(large.dataDir, 'bench')));
  const smallServer = await startXmedia('xmedia 1k', small.env);
  let largeServer;
  try {
    largeServer = await startXmedia('xmedia large', large.env);
    const request = (x, server, ids) => ({
      url: `${server.url}/2/media/metadata/create`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${x.token}` },
      makeBody: distinctSeedBodies(ids),
    });
    const SMALL = 'xmedia, 1,000 rows';
    const LARGE = `xmedia, ${count.toLocaleString('en-US')} rows`;
    const targets = [
      { name: SMALL, request: request(small, smallServer, smallIds), pids: [smallServer.child.pid] },
      { name: LARGE, request: request(large, largeServer, largeIds), pids: [largeServer.child.pid] },
    ];
    const result = await compare('datasize', targets);
    await assertWritten('datasize', LARGE, largeServer.url, large.token, largeIds[1]);
    return { rows: result, table: table(result, SMALL), targets: result, goals: { datasize: { target: LARGE, ...ratio(result, LARGE, SMALL) } } };
  } finally {
    await Promise.all([smallServer.stop(), largeServer?.stop()]);
  }
}

async function lookup() {
  const bare = await startBare();
  let x;
  let replay;
  try {
    x = await xmediaWithImage('lookup');
    await seedMetadata(x.server.url, x.token, x.mediaId);
    const get = (url) => ({ url: `${url}/2/media/3_${x.mediaId}?media.fields=alt_text`, headers: { authorization: `Bearer ${x.token}` } });
    // No goal: bare node:http sending xmedia's own answer (X's nine rate-limit headers and the body), to
    // tell what the answer's size costs node:http from what xmedia's work costs.
    replay = await startBare(await answerOf(get(x.server.url)));
    const XMEDIA = 'xmedia GET /2/media/{key}';
    const targets = [
      { name: BARE, request: get(bare.url), pids: [bare.child.pid] },
      { name: "bare node:http, xmedia's answer (no goal)", request: get(replay.url), pids: [replay.child.pid] },
      { name: XMEDIA, request: get(x.server.url), pids: [x.server.child.pid] },
    ];
    const rows = await compare('lookup', targets);
    return { rows, table: table(rows, BARE), targets: rows, goals: { lookup: { target: XMEDIA, ...ratio(rows, XMEDIA, BARE) } } };
  } finally {
    await Promise.all([bare.stop(), replay?.stop(), x?.server.stop()]);
  }
}

async function upload() {
  const totalMiB = UPLOAD_MIB;
  const chunkMiB = 4;
  const port = await freePort();
  const bareDir = newDataDir('bare-upload');
  const bare = await startProcess('bare upload', [path.join(import.meta.dirname, 'targets/bare-upload.mjs')], { PORT: String(port), BENCH_DIR: bareDir });
  let x;
  const rounds = [];
  try {
    x = await xmediaWithImage('upload');
    for (let round = 1; round <= ROUNDS; round++) {
      const bareResult = await rawUpload(`http://127.0.0.1:${port}/`, totalMiB, chunkMiB, bare.child.pid);
      const xResult = await chunkedUpload(x.server.url, x.token, totalMiB, chunkMiB, x.server.child.pid);
      console.error(`  round ${round}: bare ${bareResult.mibPerSec.toFixed(0)} MiB/s; xmedia ${xResult.mibPerSec.toFixed(0)} MiB/s, peak RSS ${xResult.peakRssMiB.toFixed(0)} MiB`);
      rounds.push({ bare: bareResult, xmedia: xResult });
    }
  } finally {
    await Promise.all([bare.stop(), x?.server.stop()]);
  }
  const BARE = 'bare node:http → file + fsync';
  const XMEDIA = 'xmedia chunked upload';
  const row = (name, side) => ({
    name,
    requestsPerSec: median(rounds.map((r) => r[side].mibPerSec)),
    unit: 'MiB/s',
    non2xx: 0, // any non-200 append or finalize throws, failing the scenario
    peakRssMiB: Math.max(...rounds.map((r) => r[side].peakRssMiB)),
    perRound: rounds.map((r) => r[side].mibPerSec),
  });
  const rows = [row(BARE, 'bare'), row(XMEDIA, 'xmedia')];
  const speed = ratio(rows, XMEDIA, BARE);
  const peak = rows[1].peakRssMiB;
  return {
    rows: rounds,
    table: [
      `| target (${totalMiB} MiB in ${chunkMiB} MiB appends) | MiB/s | peak RSS MiB | ÷ bare | per-round ratios | median of per-round ratios |`,
      '|---|---:|---:|---:|---|---:|',
      `| ${BARE} | ${rows[0].requestsPerSec.toFixed(0)} | ${rows[0].peakRssMiB.toFixed(0)} | 1.00 | | |`,
      `| ${XMEDIA} | ${rows[1].requestsPerSec.toFixed(0)} | ${peak.toFixed(0)} | ${speed.ofMedians.toFixed(2)} | ${speed.perRound.map((v) => v.toFixed(2)).join(', ')} | ${speed.judged.toFixed(2)} |`,
    ].join('\n'),
    targets: rows,
    goals: {
      'upload-speed': { target: XMEDIA, ...speed },
      'upload-rss': { target: XMEDIA, judged: peak * MB_PER_MIB, note: 'highest of the rounds' },
    },
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
    XMEDIA_SECRET_KEY: PG_SECRET,
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
    const makeBody = distinctSeedBodies(mediaIds);
    const post = (instance) => ({
      url: `${instance.url}/2/media/metadata/create`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      makeBody,
    });
    const targets = [
      { name: '1 instance (PostgreSQL + Redis)', request: post(instances[0]), pids: [instances[0].child.pid] },
      { name: '3 instances (PostgreSQL + Redis)', request: instances.map(post), pids: instances.map((i) => i.child.pid) },
    ];
    const rows = await compare('scale', targets);
    return { rows, table: table(rows, '1 instance (PostgreSQL + Redis)'), targets: rows, goals: {} };
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
 * per-round B ÷ A ratios, so slow phases of the machine hit both sides of a pair alike. AB_PIN=1 keeps the load
 * generator and the servers on CPUs of their own, so that a server's placement cannot favour one side.
 */
async function ab() {
  const route = process.env.AB_ROUTE ?? 'metadata';
  if (route !== 'metadata' && route !== 'lookup') throw new Error(`AB_ROUTE: metadata or lookup, not ${route}`);
  // AB_PIN=1: the load generator on the first CPU, both servers on the last (see pinSelf).
  const serverCpus = process.env.AB_PIN === '1' ? String(availableParallelism() - 1) : undefined;
  if (serverCpus !== undefined) pinSelf('0');
  const side = async (label) => {
    const main = process.env[`AB_MAIN_${label}`] ? path.resolve(process.env[`AB_MAIN_${label}`]) : undefined;
    const x = await xmediaWithImage(label, JSON.parse(process.env[`AB_ENV_${label}`] ?? '{}'), { main, cpus: serverCpus });
    const headers = { authorization: `Bearer ${x.token}` };
    let request;
    if (route === 'metadata') {
      const makeBody = distinctSeedBodies(await uploadImages(x.server.url, x.token, MEDIA_ITEMS));
      request = { url: `${x.server.url}/2/media/metadata/create`, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, makeBody };
    } else {
      await seedMetadata(x.server.url, x.token, x.mediaId);
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
    checkFailures('ab', s.name, `a ${durationSecs} s load`, result);
    const cpuUsPerRequest = ((cpuSeconds(pid) - cpuBefore) * 1e6) / result.total;
    return { ...result, cpuUsPerRequest };
  };
  const log = (round, name, r) =>
    console.error(`  round ${round} ${name}: ${Math.round(r.requestsPerSec)} req/s, ${r.cpuUsPerRequest.toFixed(1)} µs CPU/request, p99 ${r.p99Ms} ms${r.failures ? `, ${r.failures} failures` : ''}`);
  try {
    for (const s of sides) await measure(s, WARMUP);
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
  const cold = median(samples.map((s) => s.coldMs));
  const idle = median(samples.map((s) => s.idleRssMiB));
  return {
    rows: samples,
    table: [
      `| measure | median of ${samples.length} |`,
      '|---|---:|',
      `| spawn → first served request (GET /health) | ${cold} ms |`,
      `| idle RSS after start | ${idle.toFixed(0)} MiB |`,
    ].join('\n'),
    targets: [{ name: 'xmedia, cold start then idle 2 s', peakRssMiB: idle }],
    goals: {
      'cold-start': { target: 'xmedia, cold start then idle 2 s', judged: cold / 1000, note: `median of ${samples.length}` },
      'idle-rss': { target: 'xmedia, cold start then idle 2 s', judged: idle * MB_PER_MIB, note: `median of ${samples.length}` },
    },
  };
}

/** Issue 6's goals: what is judged (the median of per-round ratios where there are rounds) against what. */
const GOALS = [
  { key: 'metadata-bare', scenario: 'metadata', measure: 'req/s ÷ bare node:http', goal: '≥ 0.5', met: (x) => x >= 0.5 },
  { key: 'metadata-prism', scenario: 'metadata', measure: `req/s ÷ Prism ${PRISM_VERSION}`, goal: '≥ 15', met: (x) => x >= 15 },
  { key: 'metadata-p99', scenario: 'metadata', measure: 'p99 ÷ bare node:http p99', goal: '≤ 2', met: (x) => x <= 2 },
  { key: 'datasize', scenario: 'datasize', measure: 'req/s ÷ 1,000 rows', goal: '≥ 0.9', met: (x) => x >= 0.9 },
  { key: 'lookup', scenario: 'lookup', measure: 'req/s ÷ bare node:http', goal: '≥ 0.6', met: (x) => x >= 0.6 },
  { key: 'upload-speed', scenario: 'upload', measure: 'MiB/s ÷ bare node:http', goal: '≥ 0.5', met: (x) => x >= 0.5 },
  { key: 'upload-rss', scenario: 'upload', measure: 'peak RSS, MB', goal: '< 150', met: (x) => x < 150 },
  { key: 'cold-start', scenario: 'startup', measure: 'spawn → first answer, s', goal: '< 1', met: (x) => x < 1 },
  { key: 'idle-rss', scenario: 'startup', measure: 'idle RSS, MB', goal: '< 100', met: (x) => x < 100 },
];

/** The one table at the end: every target of every scenario run, every goal (met, missed or not run). */
function summary(results) {
  const lines = [
    '| scenario | target | req/s | p50 ms | p99 ms | non-2xx | peak RSS MiB | measure | judged (median of per-round) | of medians | goal | |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---:|---|---|',
  ];
  const fmt = (x, digits = 2) => (x === undefined || Number.isNaN(x) ? '' : typeof x === 'number' ? x.toFixed(digits) : String(x));
  let missed = 0;
  const verdict = (def, g) => {
    if (!g || g.notRun) return { cells: [def.measure, '', '', def.goal, `not run${g?.notRun ? `: ${g.notRun}` : ''}`] };
    const ok = def.met(g.judged);
    if (!ok) missed++;
    return { cells: [def.measure, fmt(g.judged), fmt(g.ofMedians), def.goal, ok ? 'met' : '**MISSED**'] };
  };
  const scenarioNames = [...new Set([...Object.keys(SCENARIOS).filter((n) => n !== 'ab' && n !== 'scale'), ...Object.keys(results.scenarios)])];
  for (const scenario of scenarioNames) {
    const result = results.scenarios[scenario];
    const defs = GOALS.filter((d) => d.scenario === scenario);
    if (!result || result.error) {
      const why = result?.error ? `failed: ${result.error}` : 'not run';
      if (defs.length === 0) lines.push(`| ${scenario} | (${why}) | | | | | | | | | | |`);
      for (const def of defs) lines.push(`| ${scenario} | (${why}) | | | | | | ${def.measure} | | | ${def.goal} | ${why} |`);
      if (result?.error) missed += defs.length;
      continue;
    }
    for (const target of result.targets ?? []) {
      const measures = [
        target.requestsPerSec === undefined ? '' : `${Math.round(target.requestsPerSec).toLocaleString('en-US')}${target.unit ? ` ${target.unit}` : ''}`,
        fmt(target.p50Ms, 0),
        fmt(target.p99Ms, 0),
        fmt(target.non2xx, 0),
        fmt(target.peakRssMiB, 0),
      ];
      const mine = defs.filter((d) => result.goals?.[d.key]?.target === target.name);
      if (mine.length === 0) lines.push(`| ${scenario} | ${target.name} | ${measures.join(' | ')} | | | | | |`);
      mine.forEach((def, i) => {
        const cells = i === 0 ? measures : ['', '', '', '', ''];
        lines.push(`| ${scenario} | ${i === 0 ? target.name : '″'} | ${cells.join(' | ')} | ${verdict(def, result.goals[def.key]).cells.join(' | ')} |`);
      });
    }
    for (const def of defs.filter((d) => !result.targets?.some((t) => t.name === result.goals?.[d.key]?.target))) {
      lines.push(`| ${scenario} | | | | | | | ${verdict(def, result.goals?.[def.key]).cells.join(' | ')} |`);
    }
  }
  return { table: lines.join('\n'), missed };
}

/**
 * What the machine allows for the Prism goal: Prism's speed relative to bare node:http varies from machine to
 * machine far more than xmedia's does (docs/BENCHMARKS.md), so each run says how far a server that stores
 * nothing (the Fastify target) got against the same Prism rounds.
 */
function prismContext(metadataResult) {
  const rows = metadataResult?.rows;
  if (!rows?.some((r) => r.name === PRISM)) return undefined;
  const fastify = ratio(rows, FASTIFY, PRISM).judged;
  const prismBare = ratio(rows, PRISM, BARE).judged;
  return (
    `For scale: in the same rounds ${FASTIFY} reached ${fastify.toFixed(1)} × Prism, and Prism ${prismBare.toFixed(3)} × bare ` +
    `node:http (so 15 × Prism is ${(15 * prismBare).toFixed(2)} × bare node:http on this machine).`
  );
}

const results = {
  startedAt: new Date().toISOString(),
  node: process.version,
  quick: QUICK,
  rounds: ROUNDS,
  durationSecs: DURATION,
  warmupSecs: WARMUP,
  connections: CONNECTIONS,
  scenarios: {},
};
for (const name of chosen) {
  if (!SCENARIOS[name]) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  console.error(`\n## ${name}`);
  const scenarioStarted = performance.now();
  try {
    const result = await SCENARIOS[name]();
    results.scenarios[name] = result;
    console.log(`\n### ${name}\n\n${result.table}\n`);
    console.error(`  (${name}: ${((performance.now() - scenarioStarted) / 1000).toFixed(1)} s)`);
  } catch (error) {
    console.error(error);
    problems.push(`${name}: ${error.message}`);
    results.scenarios[name] = { error: error.message.split('\n')[0] };
  }
}
const { table: summaryTable, missed } = summary(results);
console.log(
  `\n### Summary: issue 6's goals (${ROUNDS} round${ROUNDS === 1 ? '' : 's'} of ${DURATION} s, c=${CONNECTIONS}${QUICK ? ', --quick' : ''})\n\n${summaryTable}\n`,
);
const context = prismContext(results.scenarios.metadata);
if (context) console.log(`${context}\n`);
results.problems = problems;
results.goalsMissed = missed;
const outDir = path.join(root, '.bench-results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
console.error(`\nresults: ${path.relative(root, file)}`);
for (const problem of problems) console.log(`FAILED: ${problem}`);
if (missed > 0) console.log(`${missed} goal${missed === 1 ? '' : 's'} missed`);
if (problems.length > 0 || missed > 0) process.exitCode = 1;
