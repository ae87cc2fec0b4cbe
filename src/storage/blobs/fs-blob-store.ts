import { randomBytes } from 'node:crypto';
import { mkdir, open, opendir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from './blob-store.js';

const SAFE_PART = /^[A-Za-z0-9._-]+$/;

/**
 * Blobs as files: `<dir>/<last two characters of group>/<group>/<name>`, so no directory grows past ~1% of
 * all groups. A put writes a temporary file, fsyncs it, renames it into place and fsyncs the directory: after
 * a crash a blob is either whole or absent. A streamed put writes its final name directly (its key is fresh
 * and no row points at it until it is durable), then fsyncs the file and the directory. A directory that a put
 * creates (a new group's, or a new shard's) is fsynced into its parent before the put resolves.
 */
export class FsBlobStore implements BlobStore {
  /** The directory steps of the puts under way in this process (see makeDirectory). */
  private readonly directorySteps = new Set<Promise<void>>();

  constructor(private readonly dir: string) {
    this.dir = path.resolve(dir);
  }

  pathOf(key: string): string {
    const parts = key.split('/');
    if (parts.length > 2 || !parts.every((part) => SAFE_PART.test(part) && part !== '.' && part !== '..')) {
      throw new Error(`unsafe blob key ${JSON.stringify(key)}`);
    }
    return path.join(this.groupDir(parts[0]!), ...parts.slice(1));
  }

  /**
   * A group's shard is named after the last two characters of the group up to its first dot (all of a media id),
   * so a put's temporary file `<group>.tmp-…` sits in its group's shard and deleteGroup finds it there by name.
   */
  private groupDir(group: string): string {
    return path.join(this.dir, group.split('.', 1)[0]!.slice(-2), group);
  }

  /**
   * Creates `dir` and its missing ancestors durably: mkdir names the first directory it created, and the parent
   * of each new directory is fsynced (the directory holding the blob is fsynced after the write anyway), so
   * nothing is paid when `dir` was there. A put that finds `dir` made by a concurrent put of this process (parallel
   * appends to a new session) also waits for the directory steps begun before its own, which the making one is
   * among. Another process sharing the directory cannot be waited for: there the window is the microseconds
   * between the other's mkdir and its fsync.
   */
  private async makeDirectory(dir: string): Promise<void> {
    const earlier = [...this.directorySteps];
    const step = mkdir(dir, { recursive: true }).then(async (created) => {
      if (created === undefined) return;
      for (let parent = path.dirname(dir); ; parent = path.dirname(parent)) {
        await syncDirectory(parent);
        if (parent === path.dirname(created) || parent === path.dirname(parent)) break;
      }
    });
    this.directorySteps.add(step);
    try {
      await step;
    } finally {
      this.directorySteps.delete(step);
    }
    await Promise.allSettled(earlier);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await this.makeDirectory(dir);
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

  async putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<number> {
    const target = this.pathOf(key);
    const dir = path.dirname(target);
    await this.makeDirectory(dir);
    const file = await open(target, 'wx', 0o600);
    let size = 0;
    try {
      for await (const chunk of source) {
        await file.write(chunk);
        size += chunk.byteLength;
      }
      await file.sync();
    } catch (error) {
      await file.close();
      await rm(target, { force: true });
      throw error;
    }
    await file.close();
    await syncDirectory(dir);
    return size;
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const file = await open(this.pathOf(key), 'r');
    try {
      const buffer = Buffer.allocUnsafe(end - start);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, start + filled);
        if (bytesRead === 0) throw new Error(`blob ${key} is shorter than ${end} bytes`);
        filled += bytesRead;
      }
      return buffer;
    } finally {
      await file.close();
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deleteGroup(group: string): Promise<void> {
    if (!SAFE_PART.test(group) || group === '.' || group === '..') throw new Error(`unsafe blob group ${JSON.stringify(group)}`);
    await rm(this.groupDir(group), { recursive: true, force: true });
  }

  /** Shard by shard, each directory read as a stream (opendir), never whole. */
  async *listGroups(): AsyncIterable<string> {
    let root;
    try {
      root = await opendir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing stored yet
      throw error;
    }
    for await (const shard of root) {
      if (!shard.isDirectory()) continue;
      let entries;
      try {
        entries = await opendir(path.join(this.dir, shard.name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for await (const entry of entries) yield entry.name;
    }
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
