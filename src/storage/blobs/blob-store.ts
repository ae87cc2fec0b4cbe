/**
 * Where media bytes live, apart from the rows that describe them. A directory is the default in both
 * deployment modes (shared between instances when scaled out); an S3-compatible store would implement the
 * same interface.
 */
export interface BlobStore {
  /** Stores the bytes under `key`, atomically (readers see all of them or none) and durably. */
  put(key: string, data: Buffer): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Removes `key`; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
}
