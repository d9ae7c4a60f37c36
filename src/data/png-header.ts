/**
 * The PNG header chunk (IHDR, PNG spec 11.2.2): what it declares, whether it is valid, whether
 * the picture is small enough to decode, and how many bytes its decompressed image data must
 * hold. Everything here works from the 13 header bytes alone, before any pixel is decoded.
 */

export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colourType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
}

/**
 * The largest picture `readDigitPng` decodes: 40 megapixels, far above any photo of a digit.
 * Decoding takes a few tens of bytes per pixel (pngjs's RGBA copies, then the float ink), so
 * this bounds the memory; a header declaring more is refused before any pixel is decoded.
 * Every buffer grows with the pixel count, not with one side, so there is no per-side limit.
 */
export const MAX_PNG_PIXELS = 40_000_000;

/** Bit depths allowed for each colour type (PNG spec, 11.2.2). */
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** Samples per pixel for each colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** The header's fields, or what is wrong with them. */
export function parseHeader(ihdr: Uint8Array): PngHeader | string {
  if (ihdr.length !== 13) return `the header chunk (IHDR) holds ${ihdr.length} bytes, not 13`;
  const view = new DataView(ihdr.buffer, ihdr.byteOffset, ihdr.byteLength);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [depth, colourType, compression, filter, interlace] = ihdr.subarray(8);
  if (width === 0 || height === 0) return `a ${width} x ${height} picture`;
  if (!(colourType in DEPTHS)) return `invalid colour type ${colourType}`;
  if (!DEPTHS[colourType].includes(depth)) return `invalid bit depth ${depth} for colour type ${colourType}`;
  if (compression !== 0 || filter !== 0) return 'unknown compression or filter method';
  if (interlace > 1) return `invalid interlace method ${interlace}`;
  return { width, height, depth, colourType, interlace };
}

/** Why the picture is too large to decode (naming its size and the limit), or null. */
export function sizeProblem({ width, height }: PngHeader): string | null {
  const pixels = width * height;
  if (pixels <= MAX_PNG_PIXELS) return null;
  return `too large: the header declares a ${width} x ${height} picture (${grouped(pixels)} pixels); the limit is ${grouped(MAX_PNG_PIXELS)} pixels`;
}

/** 1234567 -> "1,234,567" (not toLocaleString: the same in every locale). */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Adam7's passes: first column and row, then column and row steps (PNG spec 8.2). */
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/**
 * The exact length of the decompressed image data the header implies: each scanline is one
 * filter-type byte and its packed samples (rounded up to whole bytes); an interlaced picture is
 * seven smaller pictures, and a pass that is empty (no column or no row) has no bytes at all.
 */
export function imageDataLength(header: PngHeader): number {
  const bitsPerPixel = header.depth * CHANNELS[header.colourType];
  const bytes = (width: number, height: number): number => (width === 0 || height === 0 ? 0 : height * (Math.ceil((width * bitsPerPixel) / 8) + 1));
  if (header.interlace === 0) return bytes(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += bytes(Math.ceil(Math.max(0, header.width - x0) / dx), Math.ceil(Math.max(0, header.height - y0) / dy));
  return total;
}
