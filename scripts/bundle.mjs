// The server's entry point as one file: `npm run build` runs tsc (type checks, and compiles every module to dist/
// for the CLI, the tests and the scripts), then this, which replaces tsc's dist/main.js with src/main.ts and all
// it imports bundled by esbuild. Node then reads one file at start-up instead of ~1,000 (TypeBox alone is 266
// modules, Fastify and its dependencies most of the rest): spawn to the first answered request 0.81 s → 0.41 s
// on a slow machine (docs/PERFORMANCE.md, "Start-up"). It bundles src/, not dist/main.js, so a stale
// bundle is never its own input.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

// Left to node_modules: a native addon that finds its binary relative to its own package (better-sqlite3),
// and the packages xmedia loads only when a feature needs them (PostgreSQL, Redis, the first upload's file
// sniffing and media analysis): bundled, their imports would be hoisted and loaded at every start.
const external = ['better-sqlite3', 'pg', 'ioredis', 'file-type', 'image-size', 'mediabunny'];

rmSync(path.join(dist, 'chunks'), { recursive: true, force: true });
await build({
  entryPoints: { main: path.join(root, 'src/main.ts') },
  outdir: dist,
  // Code reached only through a dynamic import (the PostgreSQL and Redis stores) stays in chunks of its own,
  // loaded when it is first needed, as before bundling.
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  // CommonJS dependencies (Fastify, pino, ...) call require() for Node's own modules; an ES module has none.
  banner: { js: "import { createRequire as __xmediaCreateRequire } from 'node:module'; const require = __xmediaCreateRequire(import.meta.url);" },
  // Not minified, so stack traces name the functions (esbuild renames one only where two modules share a
  // top-level name: parse2); `node --enable-source-maps dist/main.js` maps them to src/ lines.
  sourcemap: true,
  logLevel: 'warning',
});
