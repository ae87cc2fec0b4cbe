import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommitter } from '../../src/storage/sqlite/group-commit.js';
import { tempDir } from '../helpers/server.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The group commit's batch keeps growing while writes keep arriving (src/storage/sqlite/group-commit.ts), on a
 * real SQLite file. Each write inserts a row and records when it ran, and records again when its promise
 * settled (after the COMMIT): writes that share a COMMIT all run before any of them settles.
 */
describe('SQLite group commit', () => {
  async function withCommitter(test: (write: (label: string) => Promise<void>, events: string[]) => Promise<void>) {
    const dir = tempDir('xmedia-group-commit-');
    const db = new Database(path.join(dir, 'writes.sqlite'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE writes (label TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO writes (label) VALUES (?)');
    const committer = new GroupCommitter(db);
    const events: string[] = [];
    const write = (label: string) =>
      committer.write(() => {
        insert.run(label);
        events.push(`run ${label}`);
      }, true).then(() => {
        events.push(`done ${label}`);
      });
    try {
      await test(write, events);
      assert.equal((db.prepare('SELECT count(*) AS n FROM writes').get() as { n: number }).n, events.filter((e) => e.startsWith('run')).length);
    } finally {
      committer.flush();
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('commits writes that arrive in consecutive turns of the event loop together', async () => {
    await withCommitter(async (write, events) => {
      const pending = [write('a')];
      await nextTurn();
      pending.push(write('b'));
      await nextTurn();
      pending.push(write('c'));
      await Promise.all(pending);
      assert.deepEqual(events, ['run a', 'run b', 'run c', 'done a', 'done b', 'done c']);
    });
  });

  it('does not keep a write waiting while a trickle of others goes on', async () => {
    await withCommitter(async (write, events) => {
      const pending: Promise<void>[] = [];
      for (let turn = 0; turn < 20; turn++) {
        pending.push(write(String(turn)));
        await nextTurn();
      }
      await Promise.all(pending);
      const firstDone = events.indexOf('done 0');
      const runsBefore = events.slice(0, firstDone).filter((e) => e.startsWith('run')).length;
      assert.ok(runsBefore >= 2 && runsBefore <= 6, `the first commit took ${runsBefore} writes: ${events.join(', ')}`);
    });
  });

  it('commits a lone write within two turns', async () => {
    await withCommitter(async (write, events) => {
      const done = write('alone');
      await nextTurn();
      await nextTurn();
      assert.deepEqual(events, ['run alone', 'done alone']);
      await done;
    });
  });
});
