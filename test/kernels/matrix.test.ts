/** Tests for src/kernels/matrix.ts: construction, dtype, round trips, shape checks and views. */
import { describe, expect, it } from 'vitest';
import { Matrix, assertShape, type DType } from '../../src/kernels/matrix.js';

describe('Matrix.fromArray / toArray', () => {
  it('round-trips float64 values exactly, including ones float32 cannot hold', () => {
    const values = [
      [0.1, -2.5, 1e-300],
      [Math.PI, 123456789.123, -0],
    ];
    const m = Matrix.fromArray(values, 'float64');
    expect(m.dtype).toBe('float64');
    expect(m.data).toBeInstanceOf(Float64Array);
    expect(m.rows).toBe(2);
    expect(m.cols).toBe(3);
    expect(m.toArray()).toEqual(values);
  });

  it('round-trips float32 values exactly when they are representable, and rounds the others to float32', () => {
    const exact = [
      [1, -2, 0.5],
      [0.25, 3, -1024],
    ];
    const m = Matrix.fromArray(exact);
    expect(m.dtype).toBe('float32');
    expect(m.data).toBeInstanceOf(Float32Array);
    expect(m.toArray()).toEqual(exact);

    const rounded = Matrix.fromArray([[0.1]], 'float32');
    expect(rounded.get(0, 0)).toBe(Math.fround(0.1));
    expect(rounded.get(0, 0)).not.toBe(0.1);
  });

  it('lays rows out row-major: get(i, j) is data[i * cols + j]', () => {
    const m = Matrix.fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.get(1, 0)).toBe(4);
    expect(m.get(0, 2)).toBe(3);
    m.set(1, 2, 60);
    expect(m.data[5]).toBe(60);
    expect(m.size).toBe(6);
  });

  it('refuses data that is not float, a negative shape and values that are not numbers', () => {
    expect(() => new Matrix(1, 2, new Int32Array(2) as unknown as Float32Array)).toThrow('Matrix: data must be a Float32Array or a Float64Array, got Int32Array');
    expect(() => new Matrix(1, 2, [1, 2] as unknown as Float32Array)).toThrow('got Array');
    expect(() => Matrix.zeros(-1, 2)).toThrow('Matrix: bad shape -1 x 2');
    expect(() => Matrix.fromArray([['a', 2]] as unknown as number[][])).toThrow('Matrix.fromArray: row 0, column 0 is "a", not a number');
  });

  it('get and set refuse an index outside the matrix (not another row\'s element)', () => {
    const m = Matrix.fromArray([[1, 2], [3, 4]]);
    expect(() => m.get(0, 2)).toThrow('Matrix.get(0, 2): outside the 2 x 2 matrix');
    expect(() => m.get(0.5, 0)).toThrow('Matrix.get(0.5, 0)');
    expect(() => m.set(2, 0, 9)).toThrow('Matrix.set(2, 0, ');
    expect(() => m.set(-1, 0, 9)).toThrow('outside the 2 x 2 matrix');
    expect(m.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('rejects ragged rows, naming the row', () => {
    expect(() => Matrix.fromArray([[1, 2], [3]])).toThrow(/row 1 has 1 values, row 0 has 2/);
    expect(() => Matrix.fromArray([[1, 2], [3, 4, 5]], 'float64')).toThrow(RangeError);
    expect(() => Matrix.fromArray([[1], [2], []])).toThrow(/row 2/);
  });

  it('accepts an empty array as a 0 x 0 matrix', () => {
    const m = Matrix.fromArray([]);
    expect(m.rows).toBe(0);
    expect(m.cols).toBe(0);
    expect(m.toArray()).toEqual([]);
  });
});

describe('Matrix constructor', () => {
  it('rejects data whose length is not rows * cols', () => {
    expect(() => new Matrix(2, 3, new Float32Array(5))).toThrow(/2 x 3 needs 6 values, got 5/);
    expect(() => new Matrix(2, 3, new Float64Array(7))).toThrow(RangeError);
    expect(() => new Matrix(3, 2, new Float64Array(6))).not.toThrow();
  });

  it('rejects negative or fractional shapes', () => {
    expect(() => new Matrix(-1, 2, new Float32Array(0))).toThrow(/bad shape/);
    expect(() => new Matrix(1.5, 2, new Float32Array(3))).toThrow(/bad shape/);
  });

  it('zeros() gives the asked dtype, filled with zeros', () => {
    const a = Matrix.zeros(2, 4);
    const b = Matrix.zeros(3, 1, 'float64');
    expect(a.dtype).toBe('float32');
    expect(b.dtype).toBe('float64');
    expect(Array.from(a.data)).toEqual(new Array<number>(8).fill(0));
    expect(b.size).toBe(3);
  });

  it('zeros() and fromArray() reject any other dtype at run time (callers in plain JS)', () => {
    const int8 = 'int8' as unknown as DType;
    expect(() => Matrix.zeros(2, 2, int8)).toThrow(RangeError);
    expect(() => Matrix.zeros(2, 2, int8)).toThrow("dtype must be 'float32' or 'float64', got 'int8'");
    expect(() => Matrix.fromArray([[1, 2]], int8)).toThrow(RangeError);
    expect(() => Matrix.fromArray([[1, 2]], int8)).toThrow("dtype must be 'float32' or 'float64', got 'int8'");
    expect(() => Matrix.fromArray([], 'Float32' as unknown as DType)).toThrow("got 'Float32'");
    expect(() => Matrix.zeros(1, 1, null as unknown as DType)).toThrow('got null');
  });
});

describe('Matrix views and copies', () => {
  it('topRows shares storage with the original (writes show through both ways)', () => {
    const m = Matrix.fromArray([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const top = m.topRows(2);
    expect(top.rows).toBe(2);
    expect(top.cols).toBe(2);
    expect(top.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(top.data.buffer).toBe(m.data.buffer);
    top.set(1, 1, 40);
    expect(m.get(1, 1)).toBe(40);
    m.set(0, 0, 10);
    expect(top.get(0, 0)).toBe(10);
  });

  it('topRows of all rows is the same object', () => {
    const m = Matrix.zeros(3, 2);
    expect(m.topRows(3)).toBe(m);
  });

  it('clone copies: writes to the clone do not reach the original', () => {
    const m = Matrix.fromArray([[1, 2]], 'float64');
    const c = m.clone();
    c.set(0, 0, 99);
    expect(m.get(0, 0)).toBe(1);
    expect(c.dtype).toBe('float64');
  });
});

describe('assertShape', () => {
  it('passes on the right shape and names the operation and both shapes otherwise', () => {
    const m = Matrix.zeros(2, 3);
    expect(() => assertShape('op', m, 2, 3)).not.toThrow();
    expect(() => assertShape('Affine: b', m, 3, 2)).toThrow('Affine: b: expected 3 x 2, got 2 x 3');
  });
});
