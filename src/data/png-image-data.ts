/**
 * The check of a PNG's compressed image data before pngjs decodes it. pngjs's sync reader
 * fills the rows that a truncated zlib stream leaves out with zeros (a cut picture decodes as a
 * flat one), and inflates an interlaced picture without any bound (a zip bomb fills the
 * memory). Here the IDAT chunks' data, joined, must be one complete zlib stream that inflates
 * to exactly the length the header implies; inflating stops one byte past that length, so the
 * memory it takes is bounded by the (already limited) picture size.
 */
import { inflateSync } from 'node:zlib';
import type { PngChunk } from './png-chunks.js';
import { imageDataLength, type PngHeader } from './png-header.js';

/** What is wrong with the image data, or null when it inflates to exactly the header's length. */
export function imageDataProblem(chunks: readonly PngChunk[], header: PngHeader): string | null {
  const idat = chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
  if (idat.length === 0) return 'there is no image data (no IDAT chunk)';
  const expected = imageDataLength(header);
  let inflated: Buffer;
  try {
    // Default finishFlush (Z_FINISH): a stream without its end throws "unexpected end of file".
    // One output chunk of the whole length: no copy joining 16 KB pieces (twice the memory),
    // and the pages a short stream never writes are never touched.
    const limit = expected + 1;
    inflated = inflateSync(Buffer.concat(idat), { maxOutputLength: limit, chunkSize: Math.max(limit, 64 * 1024) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return 'more pixel data than the header says';
    if (code === 'Z_BUF_ERROR') return 'the compressed pixel data ends too early';
    return 'the compressed pixel data is damaged';
  }
  if (inflated.length > expected) return 'more pixel data than the header says';
  if (inflated.length < expected) {
    return `the pixel data ends too early, after ${inflated.length} of the ${expected} bytes a ${header.width} x ${header.height} picture needs`;
  }
  return null;
}
