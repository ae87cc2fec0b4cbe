import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from './blob-store.js';

const SAFE_KEY = /^[A-Za-z0-9._-]+$/;

/**
 * Blobs as files: `<dir>/<last two characters of key>/<key>`, so no directory grows past ~1% of all
 * files. A put writes a temporary file, fsyncs it, renames it into place and fsyncs the directory: after
 * a crash a blob is either whole or absent.
 */
export class FsBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  pathOf(key: string): string {
    if (!SAFE_KEY.test(key)) throw new Error(`unsafe blob key ${JSON.stringify(key)}`);
    return path.join(this.dir, key.slice(-2), key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true });
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    const file = await open(temp, 'w', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, target);
    await syncDirectory(dir);
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
