/**
 * A PNG picture of a handwritten digit, framed the way MNIST frames its digits (LeCun et al.):
 * the ink's bounding box is scaled so that its longer side is 20 pixels (aspect ratio kept,
 * area-averaged), then placed in a 28 x 28 field so that its center of mass is the center.
 *
 * Any PNG that pngjs reads (grey or colour, any bit depth, up to MAX_PNG_PIXELS pixels). Colour
 * becomes luminance; transparent pixels are laid on white paper. MNIST ink is light on dark:
 * pass `invert` for dark ink on light paper. Contrast is stretched so that the darkest paper
 * is 0, the brightest ink 255.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from './data-error.js';
import { PNG_SIGNATURE, readChunks, readHeader } from './png-chunks.js';
import { sizeProblem } from './png-header.js';
import { imageDataProblem } from './png-image-data.js';

export { MAX_PNG_PIXELS } from './png-header.js';
export const FIELD = 28;
export const BOX = 20;

export interface DigitImage {
  /** 28 x 28 bytes, row-major, ink bright (as in the MNIST IDX files). */
  pixels: Uint8Array;
  /** Mean ink on the picture's border, 0..1: near 1 suggests dark ink on light paper (missing --invert). */
  borderInk: number;
}

/**
 * Reads a PNG file and frames its digit. The file's header, chunk layout and compressed image
 * data are checked before pngjs decodes it, so a picture over MAX_PNG_PIXELS or with cut or
 * damaged image data is refused in milliseconds, with little memory.
 * @throws DataError for anything that is not a readable PNG: "<file>: no such file", "<file>: is a
 * directory, not a PNG image", "<file>: too large: the header declares a W x H picture ...",
 * "<file>: not a valid PNG (truncated or corrupt: <reason>)", ...
 */
export function readDigitPng(file: string, invert = false): DigitImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new DataError(file, readProblem(err));
  }
  if (!PNG_SIGNATURE.equals(bytes.subarray(0, 8))) throw new DataError(file, 'not a PNG image (it does not start with the PNG signature)');
  const corrupt = (reason: string): DataError => new DataError(file, `not a valid PNG (truncated or corrupt: ${reason})`);
  // The declared size first, from the header alone: pngjs would allocate it all before noticing anything
  const header = readHeader(bytes);
  if (typeof header === 'string') throw corrupt(header);
  const tooLarge = sizeProblem(header);
  if (tooLarge !== null) throw new DataError(file, tooLarge);
  const chunks = readChunks(bytes);
  if (typeof chunks === 'string') throw corrupt(chunks);
  const dataProblem = imageDataProblem(chunks, header);
  if (dataProblem !== null) throw corrupt(dataProblem);
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (err) {
    throw corrupt(pngProblem(err));
  }
  const { width, height, data } = png;
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) {
    const a = data[4 * i + 3] / 255;
    const luminance = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    const grey = (a * luminance + (1 - a) * 255) / 255;
    ink[i] = invert ? 1 - grey : grey;
  }
  const pixels = frameDigit(ink, width, height);
  if (pixels === null) throw new DataError(file, `no digit: the ${width} x ${height} picture is one flat colour`);
  return { pixels, borderInk: borderMean(ink, width, height) };
}

/** Why a file could not be read, in words (the errno code only for the rare ones). */
function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory, not a PNG image';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return `cannot read the file (${code ?? (err instanceof Error ? err.message : String(err))})`;
  }
}

/**
 * pngjs's error messages (lib/parser.js, sync-reader.js, chunkstream.js, bitmapper.js,
 * filter-parse.js, and zlib's for the compressed data) are its internals' words, typos
 * included ("waitng", "beggining"): each is mapped to a short reason. First match wins.
 */
const PNG_PROBLEMS: readonly [RegExp, string | ((m: RegExpExecArray) => string)][] = [
  [/read requests waitng on finished stream|unexpected end of input|ran out of data|unexpected end of file/i, 'the file ends too early'],
  [/^crc error/i, 'a chunk checksum does not match'],
  [/unrecognised content at end of stream/i, 'a damaged chunk'],
  [/^expected ihdr/i, 'the header chunk (IHDR) is missing'],
  [/^unsupported critical chunk type (\S+)/i, (m) => `unknown critical chunk '${m[1]}'`],
  [/^unsupported (bit depth|color type|compression method|filter method|interlace method)\b\s*(\S*)/i, (m) => `invalid ${m[1].toLowerCase().replace('color', 'colour')}${m[2] ? ` ${m[2]}` : ''}`],
  [/^unrecognised filter type - (\S+)/i, (m) => `invalid row filter ${m[1]}`],
  [/palette|transparen/i, 'a damaged palette or transparency chunk'],
  [/^extra data found/i, 'more pixel data than the header says'],
  [/inflate|incorrect header check|invalid (block type|distance|code|stored block)|unknown compression|too many length/i, 'the compressed pixel data is damaged'],
];

/** A short reason for a pngjs decode failure, without pngjs's wording. */
export function pngProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const zlibCode = (err as NodeJS.ErrnoException | null)?.code;
  for (const [pattern, reason] of PNG_PROBLEMS) {
    const m = pattern.exec(message);
    if (m) return typeof reason === 'string' ? reason : reason(m);
  }
  if (typeof zlibCode === 'string' && zlibCode.startsWith('Z_')) return zlibCode === 'Z_BUF_ERROR' ? 'the file ends too early' : 'the compressed pixel data is damaged';
  return 'the decoder rejected it';
}

/** Frames the ink (width x height, values 0..1, ink high) as a 28 x 28 MNIST digit; null when the picture is blank. */
export function frameDigit(ink: Float32Array, width: number, height: number): Uint8Array | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ink) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi - lo >= 1 / 255)) return null;
  const scaled = ink.map((v) => (v - lo) / (hi - lo));

  // Bounding box of the ink (faint anti-aliasing below 5% left out)
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (scaled[y * width + x] > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) crop.set(scaled.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);

  const s = BOX / Math.max(w, h);
  const nw = Math.max(1, Math.round(w * s));
  const nh = Math.max(1, Math.round(h * s));
  const box = resizeArea(crop, w, h, nw, nh);

  // Center of mass (pixel centers at i + 0.5) moved to the field's center, 14
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = box[y * nw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const ox = Math.round(FIELD / 2 - mx / mass);
  const oy = Math.round(FIELD / 2 - my / mass);
  const out = new Uint8Array(FIELD * FIELD);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const fx = x + ox;
      const fy = y + oy;
      if (fx >= 0 && fx < FIELD && fy >= 0 && fy < FIELD) out[fy * FIELD + fx] = Math.round(255 * Math.min(1, box[y * nw + x]));
    }
  }
  return out;
}

/** Resamples w x h to nw x nh by area averaging (each target pixel is the mean of the source area it covers). */
export function resizeArea(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  const rows = resample1d(src, w, h, nw, true); // h x nw
  return resample1d(rows, nw, h, nh, false); // nh x nw
}

function resample1d(src: Float32Array, w: number, h: number, n: number, alongX: boolean): Float32Array {
  const len = alongX ? w : h;
  const out = new Float32Array(alongX ? h * n : n * w);
  const step = len / n; // source pixels per target pixel
  for (let j = 0; j < n; j++) {
    const from = j * step;
    const to = from + step;
    for (let i = Math.floor(from); i < Math.min(len, Math.ceil(to)); i++) {
      const weight = (Math.min(to, i + 1) - Math.max(from, i)) / step;
      if (alongX) for (let y = 0; y < h; y++) out[y * n + j] += weight * src[y * w + i];
      else for (let x = 0; x < w; x++) out[j * w + x] += weight * src[i * w + x];
    }
  }
  return out;
}

function borderMean(ink: Float32Array, width: number, height: number): number {
  let sum = 0;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (y === 0 || x === 0 || y === height - 1 || x === width - 1) {
        sum += ink[y * width + x];
        count++;
      }
    }
  }
  return sum / count;
}
