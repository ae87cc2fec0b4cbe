#!/usr/bin/env node
// `npm run soak`: does steady load make xmedia's memory grow?
//
//   npm run soak                          10 minutes at 70 % of the measured peak
//   npm run soak -- --quick               about 1 minute (a smoke run: warm-up 15 s, windows of 15 s)
//   npm run soak -- --minutes 30 --connections 32 --target-percent 70 --media 20000 --uploads-per-sec 2
//   npm run soak -- --backend postgres    PostgreSQL (a private schema) instead of the embedded SQLite store
//   npm run soak -- --quick --inject-leak 1024   self-check: the server keeps 1 KiB per request; must FAIL
//
// 1. Starts xmedia from dist/ as its own process (fresh temp data dir, a user and its token, `--media` photo
//    rows of that user seeded straight into the store), with bench/lib/memory-probe.mjs preloaded (and
//    --expose-gc) so the server reports its V8 heap and runs a full GC on SIGUSR2.
// 2. Measures the peak of a realistic mix with autocannon (unthrottled, `--connections`, 5 s warm-up then
//    `--peak-secs`). Each connection loops over: write alt text (POST /2/media/metadata/create), read it back
//    (GET /2/media/{key}?media.fields=alt_text), the same again for another item, then one
//    GET /2/media?media_keys= of 10 keys: 40 % writes, 40 % reads, 20 % lookups. Items are taken in turn from
//    the pool so that no two connections touch one item at once, and every read-back must return exactly
//    the alt text just written (a mismatch counts as an error, like a non-2xx). The alt text varies in
//    content and length (so rows change size). A separate small client uploads a PNG `--uploads-per-sec`.
// 3. Drives the same mix at `--target-percent` of that peak (autocannon overallRate) for `--minutes`,
//    reading the server's VmRSS (and RssAnon/RssFile/RssShmem) from /proc/<pid>/status every `--sample-secs`
//    (5 s; 2 s with --quick), and, in the middle of each window below, forcing one full GC in the server to
//    read RSS and heap right after it.
//
// Pass: zero non-2xx, socket errors, timeouts, mismatched read-backs and failed uploads, and RSS growth below
// `--max-growth` %, where growth compares the median RSS of the last window (60 s) with the median RSS of
// the window right after the warm-up minute (SQLite's page cache, the read caches and V8's heap all grow at
// first and must be given time to reach their working size). Exit code 1 on failure. Results are written to
// .bench-results/soak-<time>.json; the data dir is removed after a passing run, kept after a failing one.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { median } from './lib/load.mjs';
import { rssMiB } from './lib/processes.mjs';
import { benchEnv, createBenchSchema, createToken, newDataDir, seedRows, startXmedia, uploadSampleImage, userIdOf } from './lib/xmedia.mjs';

const root = path.resolve(import.meta.dirname, '..');
const { values: opts } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '32' },
    'peak-secs': { type: 'string', default: '15' },
    'target-percent': { type: 'string', default: '70' },
    media: { type: 'string', default: '20000' },
    'uploads-per-sec': { type: 'string', default: '2' },
    'sample-secs': { type: 'string' },
    'warmup-secs': { type: 'string' },
    'window-secs': { type: 'string' },
    'max-growth': { type: 'string', default: '10' },
    backend: { type: 'string', default: 'sqlite' },
    'inject-leak': { type: 'string', default: '0' },
  },
});
const QUICK = opts.quick;
const DURATION_SECS = Math.round((QUICK ? 1 : Number(opts.minutes)) * 60);
const WARMUP_SECS = Number(opts['warmup-secs'] ?? (QUICK ? 15 : 60));
const WINDOW_SECS = Number(opts['window-secs'] ?? (QUICK ? 15 : 60));
const CONNECTIONS = Number(opts.connections);
const PEAK_SECS = Number(opts['peak-secs']);
const TARGET_PERCENT = Number(opts['target-percent']);
const MEDIA_COUNT = Number(opts.media);
const UPLOADS_PER_SEC = Number(opts['uploads-per-sec']);
const SAMPLE_SECS = Number(opts['sample-secs'] ?? (QUICK ? 2 : 5));
const MAX_GROWTH = Number(opts['max-growth']);
const BACKEND = opts.backend;
const LEAK_BYTES = Number(opts['inject-leak']);
if (!['sqlite', 'postgres'].includes(BACKEND)) throw new Error(`--backend sqlite|postgres, not ${BACKEND}`);
if (WARMUP_SECS + 2 * WINDOW_SECS > DURATION_SECS) throw new Error('the run must last at least the warm-up and two windows');

const MiB = 1024 * 1024;
const log = (line) => console.error(line);

// ---------------------------------------------------------------------------------------------- the server

const SEED_METADATA = { allowDownload: true, altText: 'seeded' };

/** A private PostgreSQL schema for --backend postgres; returns the env and a cleanup. */
async function postgresBackend() {
  const schema = await createBenchSchema('soak');
  const { default: pg } = await import('pg');
  return {
    env: { DATABASE_URL: schema.url, XMEDIA_SECRET_KEY: 'soak-secret-soak-secret-soak-secret-0123' },
    /** The media rows, by SQL in one statement (the migrations have run: the server is up). */
    async seed(ownerId, count) {
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      try {
        const base = 1_000_000_000_000_000_000n;
        const ids = Array.from({ length: count }, (_, i) => String(base + BigInt(i)));
        const now = Date.now();
        await client.query(
          `INSERT INTO media (id, kind, category, mime_type, owner_id, app_id, additional_owners, shared, state, size, width,
             height, duration_ms, created_at, expires_at, metadata)
           SELECT id, 'photo', 'tweet_image', 'image/png', $2::text, NULL, '[]', false, 'succeeded', 100, 16, 16, NULL, $3::bigint, $4::bigint, $5::jsonb
           FROM unnest($1::text[]) AS id`,
          [ids, ownerId, now, now + 86_400_000, JSON.stringify(SEED_METADATA)],
        );
        return ids;
      } finally {
        await client.end();
      }
    },
    async userId(username) {
      const client = new pg.Client({ connectionString: schema.url });
      await client.connect();
      try {
        return (await client.query('SELECT id FROM users WHERE username = $1', [username])).rows[0].id;
      } finally {
        await client.end();
      }
    },
    drop: () => schema.drop(),
  };
}

async function startServer() {
  const dataDir = newDataDir('soak');
  const probeFile = path.join(dataDir, 'memory-probe.jsonl');
  const pg = BACKEND === 'postgres' ? await postgresBackend() : undefined;
  const env = benchEnv(dataDir, {
    ...pg?.env,
    XMEDIA_PROBE_FILE: probeFile,
    XMEDIA_PROBE_EVERY_MS: String(SAMPLE_SECS * 1000),
    XMEDIA_SOAK_LEAK_BYTES: String(LEAK_BYTES),
  });
  const preloads = ['lib/memory-probe.mjs', ...(LEAK_BYTES > 0 ? ['lib/leaky.mjs'] : [])];
  const nodeArgs = ['--expose-gc', ...preloads.flatMap((p) => ['--import', path.join(import.meta.dirname, p)])];
  const server = await startXmedia('xmedia soak', env, { nodeArgs });
  const token = createToken(env, 'soak');
  let ids;
  if (pg) {
    ids = await pg.seed(await pg.userId('soak'), MEDIA_COUNT);
  } else {
    // Written by another connection: the server's data_version check empties its caches, as for the CLI.
    ids = seedRows(dataDir, MEDIA_COUNT, SEED_METADATA, userIdOf(dataDir, 'soak'));
  }
  return { server, token, ids, dataDir, probeFile, cleanup: () => pg?.drop() };
}

function probeLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** The server's latest periodic probe line (heap), if any. */
function latestProbe(file) {
  return probeLines(file).filter((line) => !line.forced).at(-1);
}

/**
 * Asks the server's probe for a full GC (SIGUSR2) and returns RSS and heap right after it, in MiB: what the
 * process really holds at that moment, without the garbage a sample may happen to catch.
 */
async function afterForcedGc(pid, file) {
  const before = probeLines(file).filter((line) => line.forced).length;
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < 5000; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    const forced = probeLines(file).filter((line) => line.forced);
    if (forced.length > before) {
      const line = forced.at(-1);
      return { rssMiB: Number(fmtMiB(line.rss)), heapUsedMiB: Number(fmtMiB(line.heapUsed)) };
    }
  }
  return { rssMiB: null, heapUsedMiB: null };
}

// ------------------------------------------------------------------------------------------------ the mix

const WORDS = ['a', 'cat', 'dancing', 'on', 'the', 'kitchen', 'table', 'café', 'under', 'soft', 'light', '☕', 'with', 'zwei', 'Katzen', 'and', 'a', 'dog'];

/** Alt text n: different words and 10-400 characters, never the same twice in a row for one item. */
function altText(n) {
  const length = 10 + ((n * 7919) % 390);
  let text = `soak #${n}:`;
  for (let i = n; text.length < length; i++) text += ` ${WORDS[(i * 31) % WORDS.length]}`;
  return text.slice(0, length);
}

function mixRequests(token, ids, stats) {
  const auth = { authorization: `Bearer ${token}` };
  let nextWrite = 0;
  let nextLookup = 0;
  const mismatch = (what) => {
    stats.mismatches += 1;
    if (stats.mismatchExamples.length < 5) stats.mismatchExamples.push(what);
  };
  const write = {
    method: 'POST',
    path: '/2/media/metadata/create',
    headers: { ...auth, 'content-type': 'application/json' },
    setupRequest: (request, context) => {
      const n = nextWrite++;
      context.id = ids[n % ids.length];
      context.alt = altText(n);
      return { ...request, body: JSON.stringify({ media_id: context.id, alt_text: { text: context.alt } }) };
    },
    onResponse: (status, body, context) => {
      if (status !== 200) return;
      const json = JSON.parse(body);
      if (json.data?.id !== context.id) mismatch(`write ${context.id}: ${body.slice(0, 200)}`);
    },
  };
  const readBack = {
    method: 'GET',
    headers: auth,
    setupRequest: (request, context) => ({ ...request, path: `/2/media/3_${context.id}?media.fields=alt_text` }),
    onResponse: (status, body, context) => {
      if (status !== 200) return;
      const json = JSON.parse(body);
      if (json.data?.alt_text !== context.alt) mismatch(`read-back ${context.id}: expected ${JSON.stringify(context.alt)}, got ${body.slice(0, 200)}`);
    },
  };
  const lookup = {
    method: 'GET',
    headers: auth,
    setupRequest: (request) => {
      const from = (nextLookup++ * 10) % ids.length;
      const keys = ids.slice(from, from + 10).map((id) => `3_${id}`);
      return { ...request, path: `/2/media?media_keys=${keys.join(',')}&media.fields=alt_text,width,height` };
    },
    onResponse: (status, body) => {
      if (status !== 200) return;
      const json = JSON.parse(body);
      if (json.errors || json.data?.length !== 10) mismatch(`lookup: ${body.slice(0, 200)}`);
    },
  };
  return [write, readBack, write, readBack, lookup];
}

/** A separate small client: one PNG upload every 1/rate seconds, one at a time, until stopped. */
function uploader(url, token, perSec) {
  const stats = { ok: 0, failed: 0, errors: [] };
  let running = perSec > 0;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      try {
        await uploadSampleImage(url, token);
        stats.ok += 1;
      } catch (error) {
        stats.failed += 1;
        if (stats.errors.length < 5) stats.errors.push(String(error.message ?? error));
      }
      const wait = 1000 / perSec - (performance.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stats,
    async stop() {
      running = false;
      await done;
      return stats;
    },
  };
}

/** One autocannon run of the mix; `rate` undefined = as fast as it goes. Calls onTick(requests) each second. */
async function runMix({ url, token, ids, durationSecs, rate, onTick }) {
  const stats = { mismatches: 0, mismatchExamples: [] };
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: durationSecs,
    requests: mixRequests(token, ids, stats),
    ...(rate && { overallRate: rate }),
  });
  if (onTick) instance.on('tick', ({ counter }) => onTick(counter));
  const result = await instance;
  return {
    requestsPerSec: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodeStats: result.statusCodeStats,
    mismatches: stats.mismatches,
    mismatchExamples: stats.mismatchExamples,
    p50Ms: result.latency.p50,
    p90Ms: result.latency.p90,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    failures: result.non2xx + result.errors + result.timeouts + stats.mismatches,
  };
}

// ------------------------------------------------------------------------------------------------ the run

const fmtMiB = (bytes) => (bytes / MiB).toFixed(1);
const round1 = (v) => (v === null ? null : Math.round(v * 10) / 10);

/** RSS split as the kernel counts it: anonymous (heaps), file-backed (code, mapped files), shared memory (WAL index). */
function rssParts(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => {
    const match = new RegExp(`${name}:\\s+(\\d+) kB`).exec(status);
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : null;
  };
  return { rssAnonMiB: kib('RssAnon'), rssFileMiB: kib('RssFile'), rssShmemMiB: kib('RssShmem') };
}
const startedAt = new Date().toISOString();
if (LEAK_BYTES > 0) log(`injecting a leak of ${LEAK_BYTES} bytes per request (bench/lib/leaky.mjs): this run should FAIL`);
log(`soak: ${BACKEND}, ${DURATION_SECS} s at ${TARGET_PERCENT} % of peak, ${CONNECTIONS} connections, ${MEDIA_COUNT} media items, ${UPLOADS_PER_SEC} uploads/s`);
const { server, token, ids, dataDir, probeFile, cleanup } = await startServer();
const pid = server.child.pid;
log(`server pid ${pid}, data dir ${dataDir}, idle RSS ${rssMiB(pid).toFixed(1)} MiB`);

let results;
try {
  // Peak: a short unthrottled run of the same mix (after a warm-up that is not counted).
  const peakUploads = uploader(server.url, token, UPLOADS_PER_SEC);
  await runMix({ url: server.url, token, ids, durationSecs: 5 });
  const peak = await runMix({ url: server.url, token, ids, durationSecs: PEAK_SECS });
  const peakUploadStats = await peakUploads.stop();
  const targetRate = Math.round((peak.requestsPerSec * TARGET_PERCENT) / 100);
  log(`peak: ${Math.round(peak.requestsPerSec)} req/s (p99 ${peak.p99Ms} ms, ${peak.failures} failures); target ${targetRate} req/s`);

  // Soak: the target rate, RSS sampled every SAMPLE_SECS.
  const samples = [];
  let requestsSinceSample = 0;
  const soakStarted = performance.now();
  const sample = () => {
    const tSec = (performance.now() - soakStarted) / 1000;
    let rss;
    let parts;
    try {
      rss = rssMiB(pid);
      parts = rssParts(pid);
    } catch {
      return; // the server is gone: the run's failures will say why
    }
    const probe = latestProbe(probeFile);
    const s = {
      tSec: Math.round(tSec * 10) / 10,
      rssMiB: Math.round(rss * 10) / 10,
      ...parts,
      heapUsedMiB: probe ? Number(fmtMiB(probe.heapUsed)) : null,
      heapAfterMajorGcMiB: probe?.heapAfterMajorGc ? Number(fmtMiB(probe.heapAfterMajorGc)) : null,
      majorGcs: probe?.majorGcs ?? null,
      externalMiB: probe ? Number(fmtMiB(probe.external)) : null,
      requestsPerSec: Math.round(requestsSinceSample / SAMPLE_SECS),
      loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
    };
    requestsSinceSample = 0;
    samples.push(s);
    const every = QUICK ? 15 : 60;
    if (Math.floor(tSec / every) !== Math.floor((tSec - SAMPLE_SECS) / every) || samples.length === 1) {
      log(`  ${String(Math.round(tSec)).padStart(4)} s: RSS ${s.rssMiB} MiB, heap ${s.heapUsedMiB} MiB (after major GC ${s.heapAfterMajorGcMiB}), ${s.requestsPerSec} req/s, load ${s.loadAverage1m}`);
    }
  };
  sample();
  const sampler = setInterval(sample, SAMPLE_SECS * 1000);
  // A full GC in the middle of each of the two windows (twice per run: it barely disturbs the load).
  const forced = {};
  const forceAt = (label, atSec) =>
    setTimeout(async () => (forced[label] = await afterForcedGc(pid, probeFile)), atSec * 1000);
  const forceTimers = [forceAt('warm', WARMUP_SECS + WINDOW_SECS / 2), forceAt('end', DURATION_SECS - WINDOW_SECS / 2)];
  const soakUploads = uploader(server.url, token, UPLOADS_PER_SEC);
  const soak = await runMix({
    url: server.url,
    token,
    ids,
    durationSecs: DURATION_SECS,
    rate: targetRate,
    onTick: (n) => (requestsSinceSample += n),
  });
  clearInterval(sampler);
  forceTimers.forEach(clearTimeout);
  sample();
  const soakUploadStats = await soakUploads.stop();

  // Memory: the window right after the warm-up against the last window.
  const inWindow = (from, to) => samples.filter((s) => s.tSec >= from && s.tSec < to);
  const lastSec = samples.at(-1).tSec;
  const baseWindow = inWindow(WARMUP_SECS, WARMUP_SECS + WINDOW_SECS);
  const endWindow = inWindow(lastSec - WINDOW_SECS, lastSec + 1);
  const medianOf = (list, field) => {
    const values = list.map((s) => s[field]).filter((v) => v !== null && v !== undefined);
    return values.length > 0 ? round1(median(values)) : null;
  };
  const rssWarm = medianOf(baseWindow, 'rssMiB');
  const rssEnd = medianOf(endWindow, 'rssMiB');
  const growthPercent = ((rssEnd - rssWarm) / rssWarm) * 100;
  const afterWarmup = samples.filter((s) => s.tSec >= WARMUP_SECS);
  // Least-squares slope of RSS after the warm-up, in MiB per minute: a trend the two medians might hide.
  const meanT = afterWarmup.reduce((n, s) => n + s.tSec, 0) / afterWarmup.length;
  const meanR = afterWarmup.reduce((n, s) => n + s.rssMiB, 0) / afterWarmup.length;
  const slope =
    (afterWarmup.reduce((n, s) => n + (s.tSec - meanT) * (s.rssMiB - meanR), 0) / afterWarmup.reduce((n, s) => n + (s.tSec - meanT) ** 2, 0)) * 60;
  const memory = {
    definition: `growth = median RSS of the last ${WINDOW_SECS} s vs median RSS of ${WARMUP_SECS}-${WARMUP_SECS + WINDOW_SECS} s (after the warm-up)`,
    rssStartMiB: samples[0].rssMiB,
    rssWarmMiB: rssWarm,
    rssEndMiB: rssEnd,
    rssPeakMiB: Math.max(...samples.map((s) => s.rssMiB)),
    growthPercent: Math.round(growthPercent * 10) / 10,
    rssSlopeMiBPerMin: Math.round(slope * 100) / 100,
    rssAnonWarmMiB: medianOf(baseWindow, 'rssAnonMiB'),
    rssAnonEndMiB: medianOf(endWindow, 'rssAnonMiB'),
    rssFileWarmMiB: medianOf(baseWindow, 'rssFileMiB'),
    rssFileEndMiB: medianOf(endWindow, 'rssFileMiB'),
    rssShmemWarmMiB: medianOf(baseWindow, 'rssShmemMiB'),
    rssShmemEndMiB: medianOf(endWindow, 'rssShmemMiB'),
    heapUsedWarmMiB: medianOf(baseWindow, 'heapUsedMiB'),
    heapUsedEndMiB: medianOf(endWindow, 'heapUsedMiB'),
    heapAfterMajorGcWarmMiB: medianOf(baseWindow, 'heapAfterMajorGcMiB'),
    heapAfterMajorGcEndMiB: medianOf(endWindow, 'heapAfterMajorGcMiB'),
    /** RSS and heap right after a full GC forced in the middle of each window. */
    afterForcedGc: forced,
    /** Major GCs during the soak (forced ones included): with none, "after major GC" is the last one before it. */
    majorGcsDuringSoak: (samples.at(-1).majorGcs ?? 0) - (samples[0].majorGcs ?? 0),
  };
  const uploadsFailed = peakUploadStats.failed + soakUploadStats.failed;
  const failures = peak.failures + soak.failures + uploadsFailed;
  const passed = failures === 0 && growthPercent < MAX_GROWTH;
  results = {
    startedAt,
    node: process.version,
    cpus: os.cpus().length,
    backend: BACKEND,
    settings: { durationSecs: DURATION_SECS, warmupSecs: WARMUP_SECS, windowSecs: WINDOW_SECS, connections: CONNECTIONS, peakSecs: PEAK_SECS, targetPercent: TARGET_PERCENT, media: MEDIA_COUNT, uploadsPerSec: UPLOADS_PER_SEC, sampleSecs: SAMPLE_SECS, maxGrowthPercent: MAX_GROWTH },
    peak: { ...peak, uploads: peakUploadStats },
    targetRate,
    soak: { ...soak, uploads: soakUploadStats },
    memory,
    loadAverage1mMedian: medianOf(samples, 'loadAverage1m'),
    passed,
    samples,
  };

  const n = (v) => Math.round(v).toLocaleString('en-US');
  const table = [
    '| measure | value |',
    '|---|---:|',
    `| backend | ${BACKEND} |`,
    `| peak (unthrottled mix, ${CONNECTIONS} connections, ${PEAK_SECS} s) | ${n(peak.requestsPerSec)} req/s, p99 ${peak.p99Ms} ms |`,
    `| target (${TARGET_PERCENT} % of peak) | ${n(targetRate)} req/s |`,
    `| achieved over ${DURATION_SECS} s | ${n(soak.requestsPerSec)} req/s |`,
    `| requests | ${n(soak.total)} (+ ${soakUploadStats.ok} uploads) |`,
    `| non-2xx / errors / timeouts / bad read-backs / failed uploads | ${soak.non2xx} / ${soak.errors} / ${soak.timeouts} / ${soak.mismatches} / ${soakUploadStats.failed} |`,
    `| latency p50 / p99 / max | ${soak.p50Ms} / ${soak.p99Ms} / ${soak.maxMs} ms |`,
    `| RSS at start of soak | ${memory.rssStartMiB} MiB |`,
    `| RSS after warm-up (median ${WARMUP_SECS}-${WARMUP_SECS + WINDOW_SECS} s) | ${memory.rssWarmMiB} MiB |`,
    `| RSS at end (median of last ${WINDOW_SECS} s) | ${memory.rssEndMiB} MiB |`,
    `| RSS peak | ${memory.rssPeakMiB} MiB |`,
    `| of which anonymous / file / shared, warm-up → end | ${memory.rssAnonWarmMiB} → ${memory.rssAnonEndMiB} / ${memory.rssFileWarmMiB} → ${memory.rssFileEndMiB} / ${memory.rssShmemWarmMiB} → ${memory.rssShmemEndMiB} MiB |`,
    `| RSS growth (limit ${MAX_GROWTH} %) | ${memory.growthPercent} % |`,
    `| RSS trend after warm-up | ${memory.rssSlopeMiBPerMin} MiB/min |`,
    `| V8 heap after major GC, warm-up → end | ${memory.heapAfterMajorGcWarmMiB} → ${memory.heapAfterMajorGcEndMiB} MiB (${memory.majorGcsDuringSoak} major GCs) |`,
    `| right after a forced full GC, warm-up → end | RSS ${forced.warm?.rssMiB} → ${forced.end?.rssMiB} MiB, heap ${forced.warm?.heapUsedMiB} → ${forced.end?.heapUsedMiB} MiB |`,
    `| host load average (1 min, median; ${os.cpus().length} CPUs) | ${results.loadAverage1mMedian} |`,
  ].join('\n');
  results.table = table;
  console.log(`\n${table}\n`);
  if (peak.failures + uploadsFailed > 0 || soak.failures > 0) {
    log(`failures: peak ${JSON.stringify(peak.statusCodeStats)} ${peak.mismatchExamples.join(' | ')}; soak ${JSON.stringify(soak.statusCodeStats)} ${soak.mismatchExamples.join(' | ')}; uploads ${[...peakUploadStats.errors, ...soakUploadStats.errors].join(' | ')}`);
  }
  if (!passed) log(`server output (tail):\n${server.output().slice(-2000)}`);
  console.log(passed ? 'PASS' : `FAIL: ${failures} failures, RSS growth ${memory.growthPercent} % (limit ${MAX_GROWTH} %)`);
} finally {
  await server.stop();
  await cleanup();
}

const outDir = path.join(root, '.bench-results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `soak-${startedAt.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(results, null, 2));
log(`results: ${path.relative(root, file)}`);
// The data dir is kept when the run failed, for a look at the database and the probe's lines.
if (results.passed) rmSync(dataDir, { recursive: true, force: true });
else log(`data dir kept: ${dataDir}`);
process.exitCode = results.passed ? 0 : 1;
