import { randomInt } from 'node:crypto';

/** X's snowflake epoch (2010-11-04T01:42:54.657Z). */
const EPOCH_MS = 1_288_834_974_657n;
const WORKER_BITS = 10n;
const SEQUENCE_BITS = 12n;
const MAX_SEQUENCE = (1n << SEQUENCE_BITS) - 1n;

/**
 * Time-ordered 64-bit ids shaped like X's snowflakes: 41 bits of milliseconds since X's epoch, 10 bits of
 * worker, 12 bits of sequence. Today they are 19 decimal digits, like X's media ids. The worker id is random
 * per process, so several instances (and the CLI) almost never collide; the database's primary key turns the
 * rare collision into a retry instead of a duplicate.
 */
export class SnowflakeIds {
  private lastMs = -1n;
  private sequence = 0n;
  private readonly worker: bigint;

  constructor(worker = randomInt(0, 1 << Number(WORKER_BITS))) {
    this.worker = BigInt(worker);
  }

  next(nowMs = Date.now()): string {
    let ms = BigInt(nowMs);
    if (ms < this.lastMs) ms = this.lastMs; // the clock stepped back: stay monotonic
    if (ms === this.lastMs) {
      this.sequence = (this.sequence + 1n) & MAX_SEQUENCE;
      if (this.sequence === 0n) ms = this.lastMs + 1n; // 4096 ids in one ms: borrow the next ms
    } else {
      this.sequence = 0n;
    }
    this.lastMs = ms;
    return (((ms - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (this.worker << SEQUENCE_BITS) | this.sequence).toString();
  }
}

/** The creation time encoded in a snowflake id. */
export function snowflakeTimeMs(id: string): number {
  return Number((BigInt(id) >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS);
}
