import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';

/** What the bytes of an image say about themselves, whatever the client declared. */
export interface SniffedImage {
  mimeType: string;
  animated: boolean;
  width: number;
  height: number;
}

/** The image types X accepts (SPEC.md §5). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/tiff', 'image/gif']);

/** Names clients use for the same type. */
const ALIASES: Readonly<Record<string, string>> = { 'image/pjpeg': 'image/jpeg', 'image/jpg': 'image/jpeg' };

export function canonicalMimeType(declared: string): string {
  const lower = declared.trim().toLowerCase();
  return ALIASES[lower] ?? lower;
}

/**
 * Identifies an image by its magic numbers (file-type) and reads its dimensions from its header
 * (image-size). Undefined when the bytes are not a whole-enough image of a type X accepts.
 */
export async function sniffImage(bytes: Uint8Array): Promise<SniffedImage | undefined> {
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !IMAGE_TYPES.has(type.mime)) return undefined;
  let size: { width: number; height: number };
  try {
    // image-size reads through DataViews on `bytes.buffer` without an end: given a view into a larger
    // buffer (Node's pool holds small Buffers), a truncated header would be completed by whatever follows
    // in memory. An exact-size copy makes such reads throw instead.
    size = imageSize(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes));
  } catch {
    return undefined;
  }
  if (!(size.width > 0 && size.height > 0)) return undefined;
  return { mimeType: type.mime, animated: type.mime === 'image/gif', width: size.width, height: size.height };
}
