import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Store } from '../storage/store.js';

/** How many expired media one transaction reclaims; a sweep repeats until fewer come back. */
const BATCH = 100;

export interface SweepLog {
  error(object: object, message: string): void;
}

/**
 * Reclaims expired media: their rows (and segment rows) go in one transaction that records their ids as blob
 * garbage, then their blob groups are deleted and the garbage forgotten. Several instances may sweep at once:
 * each row is claimed by one transaction, and deleting blobs twice is harmless. A sweep killed half-way leaves
 * garbage ids that the next sweep, on any instance, finishes. Rows expire logically at `expiresAtMs` whether
 * or not a sweep has run: every reader checks the expiry itself.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Sweeps every interval until stopped; an interval of 0 never sweeps. */
  start(log: SweepLog): void {
    if (this.intervalMs <= 0 || this.timer) return;
    this.stopped = false;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweepOnce()
        .catch((error: unknown) => {
          log.error({ err: error }, 'expiry sweep failed; the next one retries');
          return 0;
        })
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep under way, which ends after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Resolves to the number of media whose bytes were deleted. */
  async sweepOnce(): Promise<number> {
    let reclaimed = 0;
    for (;;) {
      const ids = await this.store.collectExpiredMedia(this.now(), BATCH);
      if (ids.length === 0) return reclaimed;
      for (const id of ids) await this.blobs.deleteGroup(id);
      await this.store.forgetBlobGarbage(ids);
      reclaimed += ids.length;
      if (ids.length < BATCH || this.stopped) return reclaimed;
    }
  }
}
