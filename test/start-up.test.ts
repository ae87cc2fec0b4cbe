import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ensureBuilt, REPO_ROOT, startServerProcess, type ServerProcess } from './helpers/process.js';
import { tempDir } from './helpers/server.js';

/**
 * What start-up loads (issue 6: cold start under 1 s, idle RSS under 100 MB). `npm run build` bundles the server
 * into dist/main.js (scripts/bundle.mjs), so node reads one file instead of ~1,000; the packages only some
 * deployments or requests need stay out of it and load when first used.
 */
describe('start-up', () => {
  let dir: string;
  let server: ServerProcess;
  let loaded: string[];

  before(async () => {
    await ensureBuilt();
    dir = tempDir('xmedia-start-up-');
    // A module-resolution hook (on node's loader thread) that writes down every module the server imports.
    const log = path.join(dir, 'loaded.txt');
    const hooks = path.join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
        return resolved;
      }`,
    );
    const register = path.join(dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
    server = await startServerProcess(path.join(dir, 'data'), { XMEDIA_DEV_BOOTSTRAP: 'off' }, ['--import', pathToFileURL(register).href]);
    loaded = readFileSync(log, 'utf8').trim().split('\n');
  });
  after(async () => {
    await server?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the bundle: none of the modules tsc compiled to dist/ but the entry point and its chunks', () => {
    const dist = pathToFileURL(path.join(REPO_ROOT, 'dist')).href + '/';
    const fromDist = loaded.filter((url) => url.startsWith(dist)).map((url) => url.slice(dist.length));
    assert.ok(fromDist.includes('main.js'), `the entry point was loaded: ${fromDist.join(', ')}`);
    assert.deepEqual(
      fromDist.filter((file) => file !== 'main.js' && !file.startsWith('chunks/')),
      [],
    );
  });

  it('loads neither the PostgreSQL and Redis clients nor the upload analysers on the embedded default', () => {
    const modules = pathToFileURL(path.join(REPO_ROOT, 'node_modules')).href + '/';
    const packages = new Set(loaded.filter((url) => url.startsWith(modules)).map((url) => url.slice(modules.length).split('/')[0]));
    for (const lazy of ['pg', 'ioredis', 'file-type', 'image-size', 'mediabunny']) assert.ok(!packages.has(lazy), `${lazy} loaded at start-up`);
    assert.ok(packages.has('better-sqlite3'), `the native SQLite binding is loaded from node_modules: ${[...packages].join(', ')}`);
  });
});
