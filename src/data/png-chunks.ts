/**
 * A PNG file's chunk layout (PNG spec 5): the signature, then chunks of length + type + data +
 * CRC, the header (IHDR) first and valid, ending with IEND and nothing after it. Checked here
 * rather than left to pngjs, whose sync reader hides a chunk's CRC error behind "unrecognised
 * content at end of stream" and reads a picture's size only while it decodes.
 */
import { parseHeader, type PngHeader } from './png-header.js';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

/** The chunk at byte `at` if it is whole and its CRC matches, else what is wrong with it. */
function chunkAt(bytes: Uint8Array, at: number): PngChunk | string {
  if (at === bytes.length) return 'the file ends before the IEND chunk';
  if (at + 12 > bytes.length) return 'the file ends in the middle of a chunk';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(at);
  const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
  if (!/^[A-Za-z]{4}$/.test(type)) return `a damaged chunk header at byte ${at}`;
  if (at + 12 + length > bytes.length) return `the file ends in the middle of the ${type} chunk`;
  if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) return `the ${type} chunk's checksum does not match`;
  return { type, data: bytes.subarray(at + 8, at + 8 + length) };
}

/**
 * The header, read from the first chunk alone (so that a picture's declared size can be
 * refused before the rest of the file is looked at), or what is wrong with that chunk.
 * Assumes the signature has been checked.
 */
export function readHeader(bytes: Uint8Array): PngHeader | string {
  const first = chunkAt(bytes, 8);
  if (typeof first === 'string') return first;
  if (first.type !== 'IHDR') return 'the header chunk (IHDR) is missing';
  return parseHeader(first.data);
}

/** Every chunk in order, IHDR to IEND, or the first fault in the layout. Assumes the signature has been checked. */
export function readChunks(bytes: Uint8Array): PngChunk[] | string {
  const chunks: PngChunk[] = [];
  for (let at = 8; ; ) {
    const chunk = chunkAt(bytes, at);
    if (typeof chunk === 'string') return chunk;
    const { type, data } = chunk;
    if (at === 8 && type !== 'IHDR') return 'the header chunk (IHDR) is missing';
    if (type === 'IHDR') {
      const header = parseHeader(data);
      if (typeof header === 'string') return header;
    }
    if (/^[A-Z]/.test(type) && !['IHDR', 'PLTE', 'IDAT', 'IEND'].includes(type)) return `unknown critical chunk '${type}'`;
    chunks.push(chunk);
    at += 12 + data.length;
    if (type === 'IEND') return at === bytes.length ? chunks : `${bytes.length - at} bytes after the IEND chunk`;
  }
}

let crcTable: Uint32Array | undefined;

/** CRC-32 as PNG computes it over a chunk's type and data (ISO 3309, polynomial 0xedb88320). */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
