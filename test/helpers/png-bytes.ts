/**
 * PNG files built byte by byte for the tests of damaged and oversized pictures: chunks with
 * correct CRCs around whatever header and image data a test needs (pngjs can only write
 * sound, non-interlaced files).
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** CRC-32 of a chunk's type and data, bit by bit (node:zlib's crc32 needs Node 20.15). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

export interface HeaderFields {
  width: number;
  height: number;
  depth?: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA (the default). */
  colourType?: number;
  interlace?: number;
}

/** The 13 bytes of an IHDR chunk's data (8-bit RGBA, not interlaced, unless told). */
export function headerData({ width, height, depth = 8, colourType = 6, interlace = 0 }: HeaderFields): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data.set([depth, colourType, 0, 0, interlace], 8);
  return data;
}

/** A whole file: signature, IHDR, one IDAT chunk per entry of `idat`, IEND. */
export function pngFile(header: HeaderFields, ...idat: Uint8Array[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', headerData(header)), ...idat.map((d) => pngChunk('IDAT', d)), pngChunk('IEND', Buffer.alloc(0))]);
}
