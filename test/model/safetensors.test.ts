/**
 * The safetensors container: exact bytes of a small file written by hand, round trips, and
 * one test per validation rule (each malformed input is a DataError naming the file).
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/data-error.js';
import { decodeSafetensors, encodeSafetensors, type Tensor } from '../../src/model/safetensors.js';

/** A safetensors buffer from a header object and raw data bytes, padded as the writer pads. */
function file(header: unknown, data: number[] | Uint8Array = [], headerText?: string): Uint8Array {
  const json = Buffer.from(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function problem(bytes: Uint8Array): string {
  try {
    decodeSafetensors(bytes, 'm.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).file).toBe('m.safetensors');
    return (err as DataError).message;
  }
  throw new Error('expected a DataError, but the file was accepted');
}

const f32 = (shape: number[], offsets: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offsets });

describe('encodeSafetensors', () => {
  it('writes the u64 length, the space-padded JSON header and little-endian floats', () => {
    const bytes = encodeSafetensors({ a: { dtype: 'F32', shape: [1], data: Float32Array.of(1.5) } }, { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8');
    expect(header.trimEnd()).toBe('{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(header.length).toBeGreaterThan(header.trimEnd().length); // padded with spaces to a multiple of 8
    expect([...bytes.subarray(8 + n)]).toEqual([0x00, 0x00, 0xc0, 0x3f]); // 1.5f little-endian
  });

  it('round-trips F32 and F64 tensors bit for bit, with their metadata', () => {
    const tensors: Record<string, Tensor> = {
      w: { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, -2, 3.25, 1e-30, -0, 3.4e38) },
      b: { dtype: 'F64', shape: [3], data: Float64Array.of(Math.PI, -1e300, 5e-324) },
      empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
      scalar: { dtype: 'F64', shape: [], data: Float64Array.of(7) },
    };
    const decoded = decodeSafetensors(encodeSafetensors(tensors, { note: '{"json":"inside"}', é: 'ü' }), 'x');
    expect(decoded.metadata).toEqual({ note: '{"json":"inside"}', é: 'ü' });
    for (const [name, t] of Object.entries(tensors)) {
      expect(decoded.tensors[name].dtype).toBe(t.dtype);
      expect(decoded.tensors[name].shape).toEqual(t.shape);
      expect(new Uint8Array(decoded.tensors[name].data.buffer)).toEqual(new Uint8Array(t.data.buffer));
    }
  });

  it('refuses data whose length is not the product of the shape', () => {
    expect(() => encodeSafetensors({ a: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } })).toThrow(/3 values for shape \[2, 2\]/);
  });
});

describe('decodeSafetensors refuses malformed files with a DataError', () => {
  it('files shorter than 8 bytes', () => {
    expect(problem(new Uint8Array(5))).toMatch(/5 bytes, shorter than the 8-byte header length/);
  });
  it('a header length larger than the file', () => {
    const bytes = file({});
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(problem(bytes)).toMatch(/header length 9223372036854775808 is larger than the 2 bytes after it/);
  });
  it('a header that is not UTF-8, not JSON, or not an object', () => {
    const bad = file({});
    bad[8] = 0xff;
    expect(problem(bad)).toMatch(/not valid UTF-8/);
    expect(problem(file(null, [], '{"a": '))).toMatch(/not valid JSON/);
    expect(problem(file(null, [], '[1, 2]'))).toMatch(/does not start with '\{'/);
    expect(problem(file(null, [], '{}  x'))).toMatch(/not valid JSON/);
  });
  it('an unknown dtype', () => {
    expect(problem(file({ a: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, [0, 0]))).toMatch(/unknown dtype "F16"/);
    expect(problem(file({ a: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toMatch(/unknown dtype undefined/);
  });
  it('shapes that are not lists of non-negative integers (also 1e400, which JSON reads as Infinity)', () => {
    for (const shape of [[1.5], [-1], ['2'], 3, [null]]) {
      expect(problem(file({ a: { dtype: 'F32', shape, data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toMatch(/shape that is not a list/);
    }
    const text = '{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}';
    expect(problem(file(null, [0, 0, 0, 0], text))).toMatch(/shape that is not a list/);
  });
  it('offsets that are not two integers, are reversed or leave the data section', () => {
    expect(problem(file({ a: f32([1], [0, 4, 8] as unknown as [number, number]) }, [0, 0, 0, 0]))).toMatch(/data_offsets that are not two/);
    expect(problem(file({ a: f32([1], [0, 4.5] as [number, number]) }, [0, 0, 0, 0]))).toMatch(/data_offsets that are not two/);
    expect(problem(file({ a: f32([0], [4, 0]) }, [0, 0, 0, 0]))).toMatch(/outside the 4-byte data section/);
    expect(problem(file({ a: f32([1], [4, 8]) }, [0, 0, 0, 0]))).toMatch(/outside the 4-byte data section/);
  });
  it('a byte length that does not match dtype and shape', () => {
    expect(problem(file({ a: f32([2], [0, 4]) }, [0, 0, 0, 0]))).toMatch(/has 4 bytes, but dtype F32 and shape \[2\] need 8/);
  });
  it('overlapping tensors, holes and trailing bytes', () => {
    expect(problem(file({ a: f32([1], [0, 4]), b: f32([1], [0, 4]) }, [0, 0, 0, 0]))).toMatch(/overlaps/);
    expect(problem(file({ a: f32([1], [4, 8]) }, new Uint8Array(8)))).toMatch(/bytes 0 to 4 of the data section belong to no tensor/);
    expect(problem(file({ a: f32([1], [0, 4]) }, new Uint8Array(6)))).toMatch(/2 bytes after the last tensor/);
  });
  it('metadata that is not a map of strings', () => {
    expect(problem(file({ __metadata__: { k: 1 } }))).toMatch(/'__metadata__' value 'k' is not a string/);
    expect(problem(file({ __metadata__: ['x'] }))).toMatch(/'__metadata__' is not an object/);
    expect(problem(file({ a: 'x' }))).toMatch(/tensor 'a' is not an object/);
  });
});
