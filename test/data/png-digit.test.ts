/**
 * MNIST framing of pictures: the ink's box scaled to 20 px on its longer side, its center of
 * mass at the center of the 28 x 28 field; PNG decoding of grey and colour files; refusals.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { frameDigit, readDigitPng, resizeArea } from '../../src/data/png-digit.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-png-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bounding box and center of mass of a 28 x 28 byte image. */
function measure(img: Uint8Array): { w: number; h: number; cx: number; cy: number } {
  let [x0, y0, x1, y1, m, mx, my] = [28, 28, -1, -1, 0, 0, 0];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = img[y * 28 + x];
      if (v === 0) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      m += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
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

  /** CRC-32 of a chunk's type and data, bit by bit (node:zlib's crc32 needs Node 20.15). */
  function crc32(bytes: Uint8Array): number {
    let c = 0xffffffff;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  }

  /** A PNG rebuilt from its chunks (length, type, data, CRC), each chunk passed through `edit` (null drops it). */
  function rebuild(bytes: Buffer, edit: (type: string, data: Buffer) => [string, Buffer][] | null): Buffer {
    const parts = [bytes.subarray(0, 8)];
    for (let at = 8; at < bytes.length; ) {
      const length = bytes.readUInt32BE(at);
      const type = bytes.toString('latin1', at + 4, at + 8);
      for (const [t, d] of edit(type, bytes.subarray(at + 8, at + 8 + length)) ?? []) {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(d.length);
        head.write(t, 4, 'latin1');
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), d])));
        parts.push(head, d, crc);
      }
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

  it('says a directory is a directory', () => {
    const folder = join(dir, 'folder.png');
    mkdirSync(folder);
    expect(() => readDigitPng(folder)).toThrow(new DataError(folder, 'is a directory, not a PNG image'));
  });
});
