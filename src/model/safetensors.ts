/**
 * The safetensors container (huggingface/safetensors), written and read from scratch:
 *
 *   u64 little-endian N | N bytes of UTF-8 JSON header | data section
 *
 * The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets
 * relative to the data section) and may hold "__metadata__", a map of string to string. The
 * header is padded with spaces so that the data section starts at a multiple of 8. Numbers
 * in the data section are little-endian.
 *
 * Generic: it knows tensors and bytes, not networks (model-file.ts gives them meaning).
 * Decoding validates everything and throws DataError(file, problem) for any malformed input.
 */
import { DataError } from '../data/data-error.js';

/** Item sizes of the dtypes this reader knows; any other dtype is refused. */
export const DTYPE_SIZES = { F64: 8, F32: 4 } as const;
export type SafeDType = keyof typeof DTYPE_SIZES;

export interface Tensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Float64Array;
}

export interface SafeTensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Headers above this size are refused before parsing (the reference reader's limit). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Serialises tensors (in the order given) and metadata into one safetensors buffer. */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { [METADATA_KEY]: metadata };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === METADATA_KEY) throw new RangeError(`encodeSafetensors: '${METADATA_KEY}' is not a tensor name`);
    if (t.data.length !== product(t.shape)) {
      throw new RangeError(`encodeSafetensors: ${name} has ${t.data.length} values for shape [${t.shape.join(', ')}]`);
    }
    const bytes = t.data.length * DTYPE_SIZES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);

  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of Object.values(tensors)) {
    const f64 = t.dtype === 'F64';
    for (let i = 0; i < t.data.length; i++, at += f64 ? 8 : 4) {
      if (f64) view.setFloat64(at, t.data[i], true);
      else view.setFloat32(at, t.data[i], true);
    }
  }
  return out;
}

/** Parses and validates a safetensors buffer; `file` names it in error messages. */
export function decodeSafetensors(bytes: Uint8Array, file: string): SafeTensors {
  const fail = (problem: string): never => {
    throw new DataError(file, `not a valid safetensors file: ${problem}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.length - 8)) fail(`header length ${declared} is larger than the ${bytes.length - 8} bytes after it`);
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) fail(`header length ${headerLength} is above the limit of ${MAX_HEADER_BYTES}`);
  if (headerLength < 2) fail(`header length ${headerLength} is too short for a JSON object`);

  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail("the header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    fail(`the header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isRecord(header)) fail('the header is not a JSON object');
  const entries = header as Record<string, unknown>;

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata = readMetadata(entries[METADATA_KEY], fail);
  const tensors: Record<string, Tensor> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor '${name}'`;
    if (!isRecord(entry)) fail(`${where} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZES)) {
      fail(`${where} has an unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(DTYPE_SIZES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
      fail(`${where} has a shape that is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0)) {
      fail(`${where} has data_offsets that are not two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      fail(`${where} has data_offsets [${begin}, ${end}] outside the ${dataLength}-byte data section`);
    }
    const type = dtype as SafeDType;
    const size = product(shape as number[]) * DTYPE_SIZES[type];
    if (end - begin !== size) {
      fail(`${where} has ${end - begin} bytes, but dtype ${type} and shape [${(shape as number[]).join(', ')}] need ${size}`);
    }
    spans.push({ name, begin, end });
    tensors[name] = { dtype: type, shape: shape as number[], data: readFloats(bytes, dataStart + begin, size, type) };
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.begin < covered) fail(`tensor '${s.name}' overlaps the tensor before it in the data section`);
    if (s.begin > covered) fail(`bytes ${covered} to ${s.begin} of the data section belong to no tensor`);
    covered = s.end;
  }
  if (covered !== dataLength) fail(`the data section has ${dataLength - covered} bytes after the last tensor`);
  return { tensors, metadata };
}

function readMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) fail(`'${METADATA_KEY}' is not an object`);
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`'${METADATA_KEY}' value '${key}' is not a string`);
    metadata[key] = v as string;
  }
  return metadata;
}

/** Copies little-endian floats out of the file (bit-exact: NaN payloads are kept too). */
function readFloats(bytes: Uint8Array, at: number, byteLength: number, dtype: SafeDType): Float32Array | Float64Array {
  const copy = new Uint8Array(bytes.subarray(at, at + byteLength)); // a fresh, aligned copy (Buffer#slice would be a view)
  if (LITTLE_ENDIAN_HOST) return dtype === 'F64' ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  const view = new DataView(copy.buffer);
  const size = DTYPE_SIZES[dtype];
  const out = dtype === 'F64' ? new Float64Array(byteLength / size) : new Float32Array(byteLength / size);
  for (let i = 0; i < out.length; i++) out[i] = size === 8 ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  return out;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
