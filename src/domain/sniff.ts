/**
 * file-type and image-size are loaded on the first upload, not at start-up: nothing else needs them, and
 * they are a tenth of the time to the first served request.
 */
export async function detectFileType(bytes: Uint8Array): Promise<{ ext: string; mime: string } | undefined> {
  return (await import('file-type')).fileTypeFromBuffer(bytes);
}

/** What the bytes of an image say about themselves, whatever the client declared. */
export interface SniffedImage {
  mimeType: string;
  animated: boolean;
  width: number;
  height: number;
}

/** The image types X accepts (SPEC.md §5). */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/tiff', 'image/gif']);

/** Names clients use for the same type (file-type calls some MP4 brands video/x-m4v). */
const ALIASES: Readonly<Record<string, string>> = {
  'image/pjpeg': 'image/jpeg',
  'image/jpg': 'image/jpeg',
  'video/x-m4v': 'video/mp4',
  'application/x-subrip': 'text/srt',
};

export function canonicalMimeType(declared: string): string {
  const lower = declared.trim().toLowerCase();
  return ALIASES[lower] ?? lower;
}

/**
 * Identifies an image by its magic numbers (file-type) and reads its dimensions from its header
 * (image-size). Undefined when the bytes are not a whole-enough image of a type X accepts.
 */
export async function sniffImage(bytes: Uint8Array): Promise<SniffedImage | undefined> {
  const type = await detectFileType(bytes);
  if (!type || !IMAGE_TYPES.has(type.mime)) return undefined;
  let size: { width: number; height: number };
  try {
    // image-size reads through DataViews on `bytes.buffer` without an end: given a view into a larger
    // buffer (Node's pool holds small Buffers), a truncated header would be completed by whatever follows
    // in memory. An exact-size copy makes such reads throw instead.
    const { imageSize } = await import('image-size');
    size = imageSize(bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes));
  } catch {
    return undefined;
  }
  if (!(size.width > 0 && size.height > 0) || !endsWhole(type.mime, bytes)) return undefined;
  return { mimeType: type.mime, animated: type.mime === 'image/gif', width: size.width, height: size.height };
}

/**
 * Whether an image reaches its format's end marker: a truncated upload passes the magic-number and header
 * checks above, so the end is checked too. Hand-written because the libraries that could tell (full decoders)
 * are large native dependencies for a check of a few bytes.
 */
function endsWhole(mimeType: string, bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tail = (hex: string): boolean => buffer.subarray(-hex.length / 2).equals(Buffer.from(hex, 'hex'));
  switch (mimeType) {
    case 'image/png':
      return tail('0000000049454e44ae426082'); // an empty IEND chunk
    case 'image/jpeg':
      return tail('ffd9'); // EOI
    case 'image/gif':
      return tail('3b'); // trailer
    case 'image/webp':
      return buffer.length >= 12 && buffer.readUInt32LE(4) + 8 <= buffer.length; // RIFF size
    case 'image/bmp':
      return buffer.length >= 6 && buffer.readUInt32LE(2) <= buffer.length; // file size in the header
    default:
      return true;
  }
}
