/**
 * A PNG picture of a handwritten digit, framed the way MNIST frames its digits (LeCun et al.):
 * the ink's bounding box is scaled so that its longer side is 20 pixels (aspect ratio kept,
 * area-averaged), then placed in a 28 x 28 field so that its center of mass is the center.
 *
 * Any PNG that pngjs reads (grey or colour, any bit depth, up to MAX_PNG_PIXELS pixels). Colour
 * becomes luminance; transparent pixels are laid on white paper. MNIST ink is light on dark:
 * pass `invert` for dark ink on light paper. Contrast is stretched so that the darkest paper
 * is 0, the brightest ink 255. The framing itself is frame-digit.ts (pure, shared with the page).
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from './data-error.js';
import { PNG_SIGNATURE, readChunks, readHeader } from './png-chunks.js';
import { sizeProblem } from './png-header.js';
import { imageDataProblem } from './png-image-data.js';
import { frameDigit, inkOfRgba } from './frame-digit.js';

export { MAX_PNG_PIXELS } from './png-header.js';
export { BOX, FIELD, frameDigit, inkOfRgba, resizeArea } from './frame-digit.js';

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
  const ink = inkOfRgba(data, width, height, invert);
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
