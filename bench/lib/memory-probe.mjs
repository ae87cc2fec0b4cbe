// Preloaded into a server under test (`node --import bench/lib/memory-probe.mjs dist/main.js`): appends one JSON
// line of process.memoryUsage() to $XMEDIA_PROBE_FILE every $XMEDIA_PROBE_EVERY_MS (5 s), with the V8 heap
// as it was right after the most recent major (mark-compact) GC, which is what a leak shows in: heapUsed alone
// is a sawtooth of garbage waiting to be collected. Costs one small write per interval; keeps nothing alive.
// With `--expose-gc`, SIGUSR2 runs a full GC and appends a line marked `forced` right after it.
import { appendFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const file = process.env.XMEDIA_PROBE_FILE;
const everyMs = Number(process.env.XMEDIA_PROBE_EVERY_MS ?? 5000);

if (file) {
  let heapAfterMajorGc = null;
  let majorGcs = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        majorGcs += 1;
        heapAfterMajorGc = process.memoryUsage().heapUsed;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  if (typeof globalThis.gc === 'function') {
    process.on('SIGUSR2', () => {
      globalThis.gc();
      appendFileSync(file, `${JSON.stringify({ t: Date.now(), forced: true, ...process.memoryUsage() })}\n`);
    });
  }
  setInterval(() => {
    const m = process.memoryUsage();
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), ...m, heapAfterMajorGc, majorGcs })}\n`);
  }, everyMs).unref();
}
