/**
 * Where media bytes live, apart from the rows that describe them. A directory is the default in both
 * deployment modes (shared between instances when scaled out); an S3-compatible store would implement the
 * same interface (put/putStream as object uploads, readRange as ranged GETs, deleteGroup as a prefix delete).
 *
 * Keys are `<group>/<name>`, or a group alone: the group is a media id, so everything stored for a media item
 * (its one blob or its segments, and anything a crash left behind) goes when its group is deleted.
 */
export interface BlobStore {
  /** Stores the bytes under `key`, atomically (readers see all of them or none) and durably. */
  put(key: string, data: Buffer): Promise<void>;
  /**
   * Streams `source` into a new blob under `key`, holding no more than one chunk in memory. Resolves to the
   * number of bytes once they are durable; when `source` throws, nothing is left under `key`.
   */
  putStream(key: string, source: AsyncIterable<Uint8Array>): Promise<number>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Bytes `start` (inclusive) to `end` (exclusive) of the blob under `key`. */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Removes the blob named `group` and every blob of `group`; removing a missing group is not an error. */
  deleteGroup(group: string): Promise<void>;
  /**
   * Every group name stored, in no particular order, read a part at a time (memory stays bounded however many
   * there are). A put of a group alone that died before completing may leave a leftover listed as
   * `<group>.<suffix>`; deleteGroup removes a listed name whatever it is. Groups put or deleted during the
   * listing may or may not appear.
   */
  listGroups(): AsyncIterable<string>;
}

export function blobKey(group: string, name: string): string {
  return `${group}/${name}`;
}
