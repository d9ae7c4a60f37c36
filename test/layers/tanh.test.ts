/**
 * Tests for the Tanh layer (src/layers/tanh.ts): forward on values known in closed form,
 * backward against float64 central differences of sum(tanh(x) * R), and the buffer contract
 * (dout is never written; the output is the layer's own buffer, reused per batch size).
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix } from '../../src/kernels/matrix.js';
import { Tanh } from '../../src/layers/tanh.js';
import { expectClose } from '../helpers/assert-close.js';

function randomMatrix(random: Random, rows: number, cols: number, scale = 1): Matrix {
  const m = Matrix.zeros(rows, cols, 'float64');
  for (let i = 0; i < m.size; i++) m.data[i] = scale * random.nextGaussian();
  return m;
}

describe('Tanh', () => {
  it('forward: tanh(0) = 0, tanh(+-ln 3) = +-0.8 (= (9 - 1) / (9 + 1)), saturates to +-1', () => {
    const y = new Tanh().forward(Matrix.fromArray([[0, Math.log(3), -Math.log(3), 40, -40]], 'float64'));
    expectClose(y.data, [0, 0.8, -0.8, 1, -1], { abs: 1e-15 });
  });

  it('backward is dout (1 - y^2): 1 at x = 0, 0.36 at ln 3, worked by hand', () => {
    const tanh = new Tanh();
    tanh.forward(Matrix.fromArray([[0, Math.log(3), -Math.log(3)]], 'float64'));
    expectClose(tanh.backward(Matrix.fromArray([[2, 1, -10]], 'float64')).data, [2, 0.36, -3.6], { abs: 1e-14 });
  });

  it('backward matches float64 central differences of sum(tanh(x) * R), to 1e-9', () => {
    const random = new Random(105);
    const x = randomMatrix(random, 3, 5, 1.5);
    const R = randomMatrix(random, 3, 5);
    const tanh = new Tanh();
    tanh.forward(x);
    const dx = tanh.backward(R).clone();
    const probe = new Tanh();
    const L = (): number => Array.from(probe.forward(x).data).reduce((s, y, i) => s + y * R.data[i], 0);
    const h = 1e-5;
    const numerical = Array.from(x.data, (_, i) => {
      const saved = x.data[i];
      x.data[i] = saved + h;
      const plus = L();
      x.data[i] = saved - h;
      const minus = L();
      x.data[i] = saved;
      return (plus - minus) / (2 * h);
    });
    expectClose(dx.data, numerical, { abs: 1e-9 });
  });

  it('never writes into dout, and returns its own buffers (reused for the same batch size)', () => {
    const tanh = new Tanh();
    const x = Matrix.fromArray([[0.5, -1]], 'float64');
    const y = tanh.forward(x);
    expect(y).not.toBe(x);
    expect(Array.from(x.data)).toEqual([0.5, -1]);
    const dout = Matrix.fromArray([[1, 1]], 'float64');
    const dx = tanh.backward(dout);
    expect(dx).not.toBe(dout);
    expect(Array.from(dout.data)).toEqual([1, 1]);
    expect(tanh.forward(Matrix.fromArray([[2, 3]], 'float64'))).toBe(y);
  });

  it('keeps float32 in float32, and refuses a backward without a forward of that shape', () => {
    expect(new Tanh().forward(Matrix.fromArray([[1]])).data).toBeInstanceOf(Float32Array);
    expect(() => new Tanh().backward(Matrix.zeros(1, 2, 'float64'))).toThrow(/call forward/);
    const tanh = new Tanh();
    tanh.forward(Matrix.zeros(1, 2, 'float64'));
    expect(() => tanh.backward(Matrix.zeros(2, 2, 'float64'))).toThrow(/same shape/);
  });
});
