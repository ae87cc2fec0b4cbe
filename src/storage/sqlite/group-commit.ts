import type { Database, Statement } from 'better-sqlite3';

interface PendingWrite {
  run: () => unknown;
  /** One statement (or none that can fail after another has changed something): no savepoint needed. */
  single: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * How long a batch may keep growing. The COMMIT waits one more turn of the event loop while the last turn
 * brought more writes, so that requests already arriving share this fsync instead of paying the next one; it
 * waits no more than `MAX_EXTRA_TURNS` turns, and not at all once `GROWN_ENOUGH` writes share it (by then the
 * fsync is a few µs a write). A lone write waits one empty turn, microseconds against its fsync's ~0.2 ms.
 * Measured in docs/PERFORMANCE.md (fifth pass): batches of ~18 writes grew to ~29 at c=32, +11-22 % req/s.
 */
const MAX_EXTRA_TURNS = 4;
const GROWN_ENOUGH = 128;

/**
 * Group commit: the writes queued while a batch grows (see above) run in one transaction, and all of their
 * promises settle after its single COMMIT. With synchronous=FULL that COMMIT is durable, so each
 * write is acknowledged only once it survives power loss, yet N concurrent requests share one fsync
 * instead of paying N. Each write runs inside its own SAVEPOINT, so one failing write (a duplicate key,
 * say) rolls back alone and fails only its own promise.
 */
export class GroupCommitter {
  private queue: PendingWrite[] = [];
  /** The next look at the growing batch, when one is pending. */
  private nextTurn: NodeJS.Immediate | undefined;
  private sizeAtLastTurn = 0;
  private extraTurns = 0;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly rollbackTo: Statement;

  /**
   * `onRollback` hears when a whole batch failed: a write may have updated a cache of the rows it changed
   * (the batch runs synchronously, so no reader sees that before the commit), and the cache must forget it.
   */
  constructor(
    private readonly db: Database,
    private readonly onRollback: () => void = () => {},
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  /**
   * Queues `run` for the next commit. `single` promises that `run` changes at most one statement's worth of
   * rows, so a failure leaves nothing to undo (SQLite rolls back a failed statement by itself) and the
   * savepoint's two extra statements can be skipped: on the hottest write, that is measurable.
   */
  write<T>(run: () => T, single = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, single, resolve: resolve as (value: unknown) => void, reject });
      this.nextTurn ??= setImmediate(this.onTurn);
    });
  }

  private readonly onTurn = (): void => {
    const size = this.queue.length;
    if (size > this.sizeAtLastTurn && size < GROWN_ENOUGH && this.extraTurns < MAX_EXTRA_TURNS) {
      this.sizeAtLastTurn = size;
      this.extraTurns++;
      this.nextTurn = setImmediate(this.onTurn);
      return;
    }
    this.flush();
  };

  /** Commits what is queued now; also used before closing. */
  readonly flush = (): void => {
    if (this.nextTurn) clearImmediate(this.nextTurn);
    this.nextTurn = undefined;
    this.sizeAtLastTurn = 0;
    this.extraTurns = 0;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.begin.run();
      for (const write of batch) {
        if (write.single) {
          try {
            outcomes.push({ ok: true, value: write.run() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
          continue;
        }
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: write.run() });
          this.release.run();
        } catch (error) {
          this.rollbackTo.run();
          this.release.run();
          outcomes.push({ ok: false, value: error });
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      this.onRollback();
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  };
}
