/**
 * MNIST framing of pictures: the ink's box scaled to 20 px on its longer side, its center of
 * mass at the center of the 28 x 28 field; PNG decoding of grey and colour files; refusals.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/sources.js';
import { DataError } from '../../src/data/data-error.js';
import { imageDataLength } from '../../src/data/png-header.js';
import { frameDigit, MAX_PNG_PIXELS, readDigitPng, resizeArea } from '../../src/data/png-digit.js';
import { pngChunk, pngFile } from '../helpers/png-bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bounding box and center of mass of a 28 x 28 byte image (pixels counted from 0). */
function measure(img: Uint8Array): { w: number; h: number; cx: number; cy: number } {
  let [x0, y0, x1, y1, m, mx, my] = [28, 28, -1, -1, 0, 0, 0];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      if (v === 0) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: mx / m, cy: my / m };
}

describe('frameDigit', () => {
  it('scales a 10 x 40 bar in a 100 x 60 picture to 5 x 20, centered at (14, 14)', () => {
    const ink = new Float32Array(100 * 60);
    for (let y = 10; y < 50; y++) for (let x = 70; x < 80; x++) ink[y * 100 + x] = 1;
    const out = frameDigit(ink, 100, 60)!;
    const m = measure(out);
    expect([m.w, m.h]).toEqual([5, 20]);
    expect(Math.abs(m.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(m.cy - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...out)).toBe(255);
  });

  it('puts the center of mass, not the box center, at the center', () => {
    const ink = new Float32Array(20 * 20);
    for (let x = 0; x < 20; x++) ink[x] = 1; // a heavy top bar
    for (let y = 0; y < 20; y++) ink[y * 20] = 1; // a thin left stem
    const m = measure(frameDigit(ink, 20, 20)!);
    expect(Math.abs(m.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(m.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it("leaves MNIST's own digits centered where MNIST centers them: the mean center of mass stays at (14, 14)", () => {
    const { test } = loadDataset('mnist', { trainLimit: 1, testLimit: 500 });
    const centers = { before: [0, 0], after: [0, 0] };
    for (let i = 0; i < test.count; i++) {
      const image = test.images.subarray(i * 784, (i + 1) * 784);
      const ink = Float32Array.from(image, (v) => v / 255);
      for (const [key, img] of [['before', image], ['after', frameDigit(ink, 28, 28)!]] as const) {
        const m = measure(img);
        centers[key][0] += m.cx / test.count;
        centers[key][1] += m.cy / test.count;
      }
    }
    for (const axis of [0, 1]) {
      expect(Math.abs(centers.before[axis] - 14)).toBeLessThan(0.1);
      expect(Math.abs(centers.after[axis] - centers.before[axis])).toBeLessThan(0.15);
    }
  });

  it('gives null for a flat picture', () => {
    expect(frameDigit(new Float32Array(16).fill(0.3), 4, 4)).toBeNull();
  });

  it('area-averages: 4 x 2 -> 2 x 1 is the mean of each 2 x 2 block', () => {
    expect([...resizeArea(Float32Array.of(1, 0, 0, 0, 1, 1, 1, 0), 4, 2, 2, 1)]).toEqual([0.75, 0.25]);
  });
});

describe('readDigitPng', () => {
  function writePng(name: string, width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): string {
    const png = new PNG({ width, height });
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) png.data.set(pixel(x, y), 4 * (y * width + x));
    const file = join(dir, name);
    writeFileSync(file, PNG.sync.write(png));
    return file;
  }
  const bar = (x: number, y: number): boolean => x >= 20 && x < 30 && y >= 5 && y < 45;

  it('reads light ink on dark, and dark ink on light paper with invert, to the same digit', () => {
    const light = readDigitPng(writePng('light.png', 50, 50, (x, y) => (bar(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255])));
    const dark = readDigitPng(writePng('dark.png', 50, 50, (x, y) => (bar(x, y) ? [0, 0, 0, 255] : [255, 255, 255, 255])), true);
    expect(dark.pixels).toEqual(light.pixels);
    expect(light.borderInk).toBe(0);
    expect(dark.borderInk).toBe(0);
    const notInverted = readDigitPng(join(dir, 'dark.png'));
    expect(notInverted.borderInk).toBe(1); // the hint for a missing --invert
  });

  it('reads colour ink through its luminance and lays transparency on white', () => {
    const red = readDigitPng(writePng('red.png', 50, 50, (x, y) => (bar(x, y) ? [255, 0, 0, 255] : [0, 0, 40, 255])));
    expect(measure(red.pixels).h).toBe(20);
    const clear = readDigitPng(writePng('clear.png', 50, 50, (x, y) => (bar(x, y) ? [0, 0, 0, 255] : [0, 0, 0, 0])), true);
    expect(measure(clear.pixels)).toEqual(measure(red.pixels));
  });

  it('refuses a file that is not a PNG, a missing file and a blank picture with a DataError', () => {
    const text = join(dir, 'digit.png');
    writeFileSync(text, 'not a png at all');
    expect(() => readDigitPng(text)).toThrow(DataError);
    expect(() => readDigitPng(text)).toThrow(/digit.png: not a PNG image/);
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, readFileSync(join(dir, 'light.png')).subarray(0, 60));
    expect(() => readDigitPng(cut)).toThrow(/cut.png: not a valid PNG \(truncated or corrupt: /);
    expect(() => readDigitPng(join(dir, 'none.png'))).toThrow(`${join(dir, 'none.png')}: no such file`);
    expect(() => readDigitPng(writePng('blank.png', 8, 8, () => [9, 9, 9, 255]))).toThrow(/one flat colour/);
  });

  /** The DataError message of reading `bytes` as a PNG file. */
  function messageOf(name: string, bytes: Uint8Array): string {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    try {
      readDigitPng(file);
    } catch (err) {
      expect(err).toBeInstanceOf(DataError);
      return (err as Error).message.replace(file, name);
    }
    throw new Error(`${name} was read without an error`);
  }

  /** A PNG rebuilt from its chunks (length, type, data, CRC), each chunk passed through `edit` (null drops it). */
  function rebuild(bytes: Buffer, edit: (type: string, data: Buffer) => [string, Buffer][] | null): Buffer {
    const parts = [bytes.subarray(0, 8)];
    for (let at = 8; at < bytes.length; ) {
      const length = bytes.readUInt32BE(at);
      const type = bytes.toString('latin1', at + 4, at + 8);
      for (const [t, d] of edit(type, bytes.subarray(at + 8, at + 8 + length)) ?? []) parts.push(pngChunk(t, d));
      at += 12 + length;
    }
    return Buffer.concat(parts);
  }

  it('says a truncated or corrupt PNG is not valid, in one line and without pngjs\'s own words', () => {
    const good = readFileSync(writePng('good.png', 50, 50, (x, y) => (bar(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255])));
    const idat = good.indexOf('IDAT') - 4;
    const iend = good.indexOf('IEND') - 4;
    const flipped = Buffer.from(good);
    flipped[idat + 12] ^= 0xff;
    const cases: [string, Buffer, string][] = [
      ['cut-header.png', good.subarray(0, 20), 'the file ends in the middle of the IHDR chunk'],
      ['cut-data.png', good.subarray(0, idat + 20), 'the file ends in the middle of the IDAT chunk'],
      ['cut-end.png', good.subarray(0, iend), 'the file ends before the IEND chunk'],
      ['flipped.png', flipped, "the IDAT chunk's checksum does not match"],
      ['junk.png', Buffer.concat([good, Buffer.from('junk')]), '4 bytes after the IEND chunk'],
      ['no-header.png', rebuild(good, (t, d) => (t === 'IHDR' ? null : [[t, d]])), 'the header chunk (IHDR) is missing'],
      ['depth-3.png', rebuild(good, (t, d) => [[t, t === 'IHDR' ? Buffer.concat([d.subarray(0, 8), Buffer.of(3), d.subarray(9)]) : d]]), 'invalid bit depth 3 for colour type 6'],
      ['unknown-chunk.png', rebuild(good, (t, d) => (t === 'IDAT' ? [['ABCD', Buffer.alloc(2)], [t, d]] : [[t, d]])), "unknown critical chunk 'ABCD'"],
      ['bad-filter.png', rebuild(good, (t, d) => [[t, t === 'IDAT' ? deflateSync(Buffer.alloc(50 * 201, 9)) : d]]), 'invalid row filter 9'],
    ];
    for (const [name, bytes, reason] of cases) {
      expect(messageOf(name, bytes), name).toBe(`${name}: not a valid PNG (truncated or corrupt: ${reason})`);
    }
    for (let n = 8; n < good.length; n += 7) {
      const message = messageOf('cut.png', good.subarray(0, n));
      expect(message).toMatch(/^cut\.png: not a valid PNG \(truncated or corrupt: [^()\n]+\)$/);
      expect(message).not.toMatch(/waitng|stream|read request|Crc error|beggining/i);
    }
  });

  it('refuses a header declaring more than MAX_PNG_PIXELS before decoding anything, naming the size and the limit', () => {
    expect(MAX_PNG_PIXELS).toBe(40_000_000);
    const tiny = deflateSync(Buffer.alloc(100)); // far less data than declared: the size is refused first
    const cases: [string, number, number, string][] = [
      ['30k.png', 30000, 30000, '900,000,000'],
      ['100k.png', 100000, 100000, '10,000,000,000'],
      ['over-by-one.png', 40_000_001, 1, '40,000,001'],
    ];
    for (const [name, width, height, pixels] of cases) {
      expect(messageOf(name, pngFile({ width, height }, tiny)), name).toBe(
        `${name}: too large: the header declares a ${width} x ${height} picture (${pixels} pixels); the limit is 40,000,000 pixels`,
      );
    }
    // At the limit the size passes, and the missing data is what is reported
    expect(messageOf('at-limit.png', pngFile({ width: 8000, height: 5000 }, tiny))).toBe(
      'at-limit.png: not a valid PNG (truncated or corrupt: the pixel data ends too early, after 100 of the 160005000 bytes a 8000 x 5000 picture needs)',
    );
    // A header whose checksum fails is not trusted for its size
    const damaged = pngFile({ width: 30000, height: 30000 }, tiny);
    damaged[8 + 8 + 12] ^= 1;
    expect(messageOf('damaged-header.png', damaged)).toBe("damaged-header.png: not a valid PNG (truncated or corrupt: the IHDR chunk's checksum does not match)");
  });

  it('says cut, short, overlong, damaged or missing image data is corrupt, not a flat picture', () => {
    const good = readFileSync(writePng('digit-50.png', 50, 50, (x, y) => (bar(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255])));
    const idats = [...chunksOf(good)].filter(([t]) => t === 'IDAT');
    expect(idats).toHaveLength(1);
    const idat = idats[0][1];
    const raw = inflateSync(idat);
    expect(raw.length).toBe(50 * (1 + 4 * 50));
    const withData = (data: Uint8Array): Buffer => rebuild(good, (t, d) => [[t, t === 'IDAT' ? Buffer.from(data) : d]]);
    const corrupt = (name: string, reason: string): string => `${name}: not a valid PNG (truncated or corrupt: ${reason})`;
    const cases: [string, Buffer, string][] = [
      ['half-stream.png', withData(idat.subarray(0, idat.length >> 1)), 'the compressed pixel data ends too early'],
      ['no-checksum.png', withData(idat.subarray(0, idat.length - 4)), 'the compressed pixel data ends too early'],
      ['short.png', withData(deflateSync(raw.subarray(0, 30 * 201))), 'the pixel data ends too early, after 6030 of the 10050 bytes a 50 x 50 picture needs'],
      ['one-more.png', withData(deflateSync(Buffer.concat([raw, Buffer.of(0)]))), 'more pixel data than the header says'],
      ['bomb.png', withData(deflateSync(Buffer.alloc(64 << 20))), 'more pixel data than the header says'],
      ['garbage.png', withData(Buffer.from('hello, world')), 'the compressed pixel data is damaged'],
      ['no-idat.png', rebuild(good, (t, d) => (t === 'IDAT' ? null : [[t, d]])), 'there is no image data (no IDAT chunk)'],
      ['file-cut.png', good.subarray(0, good.length - 20), 'the file ends in the middle of the IDAT chunk'],
    ];
    for (const [name, bytes, reason] of cases) expect(messageOf(name, bytes), name).toBe(corrupt(name, reason));
    // Every cut of the stream inside a sound chunk, and the same data split over two IDAT chunks
    for (let n = 0; n < idat.length; n++) expect(messageOf('cut-stream.png', withData(idat.subarray(0, n))), `cut at ${n}`).toBe(corrupt('cut-stream.png', 'the compressed pixel data ends too early'));
    const split = rebuild(good, (t, d) => (t === 'IDAT' ? [[t, d.subarray(0, 9)], [t, d.subarray(9)]] : [[t, d]]));
    expect(readDigitPng(writeBytes('split.png', split)).pixels).toEqual(readDigitPng(join(dir, 'digit-50.png')).pixels);
  });

  /** The chunks of a PNG file as [type, data]. */
  function* chunksOf(bytes: Buffer): Generator<[string, Buffer]> {
    for (let at = 8; at < bytes.length; at += 12 + bytes.readUInt32BE(at)) yield [bytes.toString('latin1', at + 4, at + 8), bytes.subarray(at + 8, at + 8 + bytes.readUInt32BE(at))];
  }
  function writeBytes(name: string, bytes: Uint8Array): string {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    return file;
  }

  it('reads grey pictures of every bit depth, interlaced (Adam7) or not, to the same digit', () => {
    const [width, height] = [13, 11];
    const ink = (x: number, y: number): boolean => x >= 5 && x < 8 && y >= 2 && y < 9;
    const reference = readDigitPng(writePng('grey-ref.png', width, height, (x, y) => (ink(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255]))).pixels;
    for (const depth of [1, 2, 4, 8, 16]) {
      for (const interlace of [0, 1]) {
        const raw = greyScanlines(width, height, depth, interlace === 1, (x, y) => (ink(x, y) ? 2 ** depth - 1 : 0));
        expect(raw.length, `depth ${depth} interlace ${interlace}`).toBe(imageDataLength({ width, height, depth, colourType: 0, interlace }));
        const file = writeBytes(`grey-${depth}-${interlace}.png`, pngFile({ width, height, depth, colourType: 0, interlace }, deflateSync(raw)));
        expect(readDigitPng(file).pixels, `depth ${depth} interlace ${interlace}`).toEqual(reference);
      }
    }
  });

    it('says a directory is a directory', () => {
    const folder = join(dir, 'folder.png');
    mkdirSync(folder);
    expect(() => readDigitPng(folder)).toThrow(new DataError(folder, 'is a directory, not a PNG image'));
  });
});

describe('imageDataLength', () => {
  it('counts one filter byte per scanline, packed samples rounded up to bytes, and Adam7 passes', () => {
    const rgba = { depth: 8, colourType: 6 };
    expect(imageDataLength({ width: 8, height: 8, ...rgba, interlace: 0 })).toBe(8 * 33);
    // passes 1x1, 1x1, 2x1, 2x2, 4x2, 4x4, 8x4 of 4-byte pixels
    expect(imageDataLength({ width: 8, height: 8, ...rgba, interlace: 1 })).toBe(5 + 5 + 9 + 2 * 9 + 2 * 17 + 4 * 17 + 4 * 33);
    expect(imageDataLength({ width: 13, height: 7, depth: 1, colourType: 0, interlace: 0 })).toBe(7 * 3);
    expect(imageDataLength({ width: 1, height: 1, depth: 8, colourType: 0, interlace: 1 })).toBe(2); // six passes empty
    expect(imageDataLength({ width: 3, height: 1, depth: 16, colourType: 0, interlace: 1 })).toBe(3 * 3); // passes 1, 4 and 6
    expect(imageDataLength({ width: 5, height: 2, depth: 4, colourType: 3, interlace: 0 })).toBe(2 * 4);
    expect(imageDataLength({ width: 3, height: 2, depth: 16, colourType: 2, interlace: 0 })).toBe(2 * 19);
    expect(imageDataLength({ width: 2, height: 1, depth: 16, colourType: 4, interlace: 0 })).toBe(9);
  });
});

/** Adam7's passes (PNG spec 8.2), written out again here so that pngjs's decoding checks them. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** The decompressed image data (filter type 0 on every scanline) of a grey picture of `depth`-bit samples. */
function greyScanlines(width: number, height: number, depth: number, interlaced: boolean, sample: (x: number, y: number) => number): Buffer {
  const out: number[] = [];
  for (const [x0, y0, dx, dy] of interlaced ? ADAM7 : [[0, 0, 1, 1]]) {
    const xs: number[] = [];
    for (let x = x0; x < width; x += dx) xs.push(x);
    if (xs.length === 0) continue;
    for (let y = y0; y < height; y += dy) {
      out.push(0);
      let [acc, bits] = [0, 0];
      for (const x of xs) {
        const v = sample(x, y);
        if (depth === 16) out.push(v >> 8, v & 0xff);
        else {
          acc = (acc << depth) | v;
          bits += depth;
          if (bits === 8) {
            out.push(acc);
            acc = 0;
            bits = 0;
          }
        }
      }
      if (bits > 0) out.push(acc << (8 - bits));
    }
  }
  return Buffer.from(out);
}
