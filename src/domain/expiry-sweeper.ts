import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Store } from '../storage/store.js';
import { snowflakeTimeMs } from './ids.js';

/** How many expired media one transaction reclaims; a sweep repeats until fewer come back. */
const BATCH = 100;

/**
 * The orphan scan reads every name in the blob directory, so it runs on the first sweep after start (orphans come
 * from crashes, and a crash is followed by a start) and then at most once an hour per instance, not every
 * sweep: orphans are rare, and an hour is small beside the media lifetime (a day by default) they wait out anyway. A
 * constant, not a setting: nothing but the cost of the scan depends on it.
 */
const ORPHAN_SCAN_EVERY_MS = 3_600_000;
/**
 * How much older than the media lifetime a group's id must be before a missing row makes it an orphan. A
 * one-shot upload writes its bytes before its row, and a late append may recreate the group of a session that
 * expired meanwhile; the margin covers that, and clocks of instances that disagree by less than an hour.
 */
const ORPHAN_MARGIN_MS = 3_600_000;
/** Blob names looked up in one query. */
const ORPHAN_BATCH = 500;
/** A media id: the only names the scan considers (anything else in the blob directory is not its business). */
const MEDIA_ID = /^[0-9]{1,19}$/;

export interface SweepLog {
  error(object: object, message: string): void;
}

/**
 * Reclaims expired media: their rows (and segment rows) go in one transaction that records their ids as blob
 * garbage, then their blob groups are deleted and the garbage forgotten. Several instances may sweep at once:
 * each row is claimed by one transaction, and deleting blobs twice is harmless. A sweep killed half-way leaves
 * garbage ids that the next sweep, on any instance, finishes. Rows expire logically at `expiresAtMs` whether
 * or not a sweep has run: every reader checks the expiry itself.
 *
 * Rarely, a sweep also reclaims orphans: blob groups that no row names, left by an upload killed between writing
 * its bytes and committing its row (see reclaimOrphans).
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  private nextOrphanScanMs = 0;

  constructor(
    private readonly store: Store,
    private readonly blobs: BlobStore,
    private readonly intervalMs: number,
    private readonly now: () => number,
    /** The media lifetime (config.media.expiresAfterSecs, in ms). */
    private readonly lifetimeMs: number,
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

  /** Resolves to the number of expired media whose bytes were deleted (orphans reclaimed on the way not counted). */
  async sweepOnce(): Promise<number> {
    const reclaimed = await this.sweepExpired();
    if (!this.stopped && this.now() >= this.nextOrphanScanMs) {
      this.nextOrphanScanMs = this.now() + ORPHAN_SCAN_EVERY_MS;
      await this.reclaimOrphans();
    }
    return reclaimed;
  }

  private async sweepExpired(): Promise<number> {
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

  /**
   * Deletes the blob groups (and put leftovers `<id>.<suffix>`) whose media id was made more than the media
   * lifetime plus a margin ago and that no media row names. Such a group can only be garbage: every upload
   * inserts its row within moments of making its id (a session before any of its bytes), and a row expires one
   * lifetime after its id was made. Safe with several instances sharing the blob directory and the database: a
   * group young enough to belong to an upload in flight, or named by a row, is never touched, and deleting a
   * group twice is harmless. Reads the names in batches, so memory stays bounded. Resolves to how many names it
   * deleted.
   */
  async reclaimOrphans(): Promise<number> {
    let deleted = 0;
    let batch: { name: string; id: string }[] = [];
    const flush = async () => {
      const named = new Set(await this.store.findMediaIds([...new Set(batch.map((b) => b.id))]));
      for (const { name, id } of batch) {
        if (named.has(id)) continue;
        await this.blobs.deleteGroup(name);
        deleted++;
      }
      batch = [];
    };
    const oldestKeptMs = this.now() - this.lifetimeMs - ORPHAN_MARGIN_MS;
    for await (const name of this.blobs.listGroups()) {
      const id = name.split('.', 1)[0]!;
      if (!MEDIA_ID.test(id) || snowflakeTimeMs(id) >= oldestKeptMs) continue;
      batch.push({ name, id });
      if (batch.length >= ORPHAN_BATCH) {
        await flush();
        if (this.stopped) return deleted;
      }
    }
    if (batch.length > 0) await flush();
    return deleted;
  }
}
