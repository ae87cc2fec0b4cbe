import type { BlobStore } from './blob-store.js';

/**
 * The bytes of a media item: its segment blobs read as one file, by ranges. Finalize never concatenates
 * segments into a new blob (that would write a 512 MB video twice); whoever needs the bytes reads through this.
 */
export class SegmentedBlob {
  readonly size: number;
  private readonly offsets: number[] = [];

  constructor(
    private readonly blobs: BlobStore,
    private readonly segments: readonly { readonly blobKey: string; readonly size: number }[],
  ) {
    let offset = 0;
    for (const segment of segments) {
      this.offsets.push(offset);
      offset += segment.size;
    }
    this.size = offset;
  }

  /** Bytes `start` (inclusive) to `end` (exclusive, clamped to the size). */
  async read(start: number, end: number): Promise<Buffer> {
    end = Math.min(end, this.size);
    const pieces: Buffer[] = [];
    for (let i = 0; i < this.segments.length && start < end; i++) {
      const segmentStart = this.offsets[i]!;
      const segment = this.segments[i]!;
      const segmentEnd = segmentStart + segment.size;
      if (segmentEnd <= start) continue;
      const to = Math.min(end, segmentEnd);
      pieces.push(await this.blobs.readRange(segment.blobKey, start - segmentStart, to - segmentStart));
      start = to;
    }
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }
}
