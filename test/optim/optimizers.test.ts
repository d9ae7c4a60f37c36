/**
 * Tests for the optimisers (src/optim): each one's updates over several steps against the
 * book's formulas written out again here in plain float64 loops, in the book's order of
 * operations (so the comparison is exact), and against a second, independent form where one
 * exists (Adam's first step, Nesterov as classical NAG at the look-ahead point); the book's
 * experiment 1 (optimizer_compare_naive) against positions from the book's own NumPy code;
 * state save/restore; defaults, names and bad input.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { Matrix, type DType } from '../../src/kernels/matrix.js';
import { AdaGrad } from '../../src/optim/adagrad.js';
import { Adam } from '../../src/optim/adam.js';
import { makeOptimizer } from '../../src/optim/make-optimizer.js';
import { Momentum } from '../../src/optim/momentum.js';
import { Nesterov } from '../../src/optim/nesterov.js';
import { OPTIMIZER_NAMES, type Optimizer } from '../../src/optim/optimizer.js';
import { RMSprop } from '../../src/optim/rmsprop.js';
import { SGD } from '../../src/optim/sgd.js';
import { expectClose } from '../helpers/assert-close.js';

type Values = Record<string, number[]>;

/** A W (2 x 3) and b (1 x 3) with fixed values, and five gradient records for them. */
const START: Values = { W: [0.5, -1.25, 2, 0, 3, -0.75], b: [0.1, 0, -0.2] };
const GRADS: Values[] = Array.from({ length: 5 }, (_, k) => ({
  W: [0.3, -2, 0.01, 1.5, 0, -0.4].map((g, i) => g * (1 + 0.37 * k) - 0.05 * i * k),
  b: [1, -0.5, 0.25].map((g) => g / (k + 1)),
}));

function toMatrices(values: Values, dtype: DType = 'float64'): Record<string, Matrix> {
  const shapes: Record<string, [number, number]> = { W: [2, 3], b: [1, 3] };
  const out: Record<string, Matrix> = {};
  for (const [name, v] of Object.entries(values)) {
    const m = Matrix.zeros(shapes[name][0], shapes[name][1], dtype);
    m.data.set(v);
    out[name] = m;
  }
  return out;
}

const copy = (values: Values): Values => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [...v]]));
const zerosLike = (values: Values): Values => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.map(() => 0)]));

/** Runs `optimizer` over GRADS and returns the parameters after each step. */
function runOptimizer(optimizer: Optimizer): Values[] {
  const params = toMatrices(START);
  return GRADS.map((g) => {
    optimizer.update(params, { ...toMatrices(g), loss: 1.5 }); // a `loss` key is ignored
    return Object.fromEntries(Object.entries(params).map(([k, m]) => [k, Array.from(m.data)]));
  });
}

/** Runs a hand-written per-entry recurrence over GRADS; `step` gets (p, g, state arrays, t). */
function runByHand(slots: number, step: (p: number[], g: number[], s: number[][], t: number) => void): Values[] {
  const params = copy(START);
  const state = Array.from({ length: slots }, () => zerosLike(START));
  return GRADS.map((g, k) => {
    for (const name of Object.keys(params)) step(params[name], g[name], state.map((s) => s[name]), k + 1);
    return copy(params);
  });
}

describe('each optimiser against its formula by hand, 5 steps in float64', () => {
  it('SGD: p -= lr g', () => {
    const lr = 0.05;
    const hand = runByHand(0, (p, g) => {
      for (let i = 0; i < p.length; i++) p[i] -= lr * g[i];
    });
    expect(runOptimizer(new SGD(lr))).toEqual(hand);
  });

  it('Momentum: v = momentum v - lr g; p += v', () => {
    const [lr, mo] = [0.05, 0.8];
    const hand = runByHand(1, (p, g, [v]) => {
      for (let i = 0; i < p.length; i++) {
        v[i] = mo * v[i] - lr * g[i];
        p[i] += v[i];
      }
    });
    expect(runOptimizer(new Momentum(lr, mo))).toEqual(hand);
  });

  it('Nesterov: p += momentum^2 v - (1 + momentum) lr g, then v = momentum v - lr g', () => {
    const [lr, mo] = [0.05, 0.8];
    const hand = runByHand(1, (p, g, [v]) => {
      for (let i = 0; i < p.length; i++) {
        p[i] += mo * mo * v[i];
        p[i] -= (1 + mo) * lr * g[i];
        v[i] = v[i] * mo - lr * g[i];
      }
    });
    expect(runOptimizer(new Nesterov(lr, mo))).toEqual(hand);
  });

  it('AdaGrad: h += g g; p -= lr g / (sqrt(h) + 1e-7)', () => {
    const lr = 0.3;
    const hand = runByHand(1, (p, g, [h]) => {
      for (let i = 0; i < p.length; i++) {
        h[i] += g[i] * g[i];
        p[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + 1e-7);
      }
    });
    expect(runOptimizer(new AdaGrad(lr))).toEqual(hand);
  });

  it('RMSprop: h = decayRate h + (1 - decayRate) g g; p -= lr g / (sqrt(h) + 1e-7)', () => {
    const [lr, rho] = [0.02, 0.9];
    const hand = runByHand(1, (p, g, [h]) => {
      for (let i = 0; i < p.length; i++) {
        h[i] = h[i] * rho + (1 - rho) * g[i] * g[i];
        p[i] -= (lr * g[i]) / (Math.sqrt(h[i]) + 1e-7);
      }
    });
    expect(runOptimizer(new RMSprop(lr, rho))).toEqual(hand);
  });

  it('Adam: m, v moving averages, lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), eps 1e-7 on sqrt(v)', () => {
    const [lr, b1, b2] = [0.01, 0.8, 0.95];
    const hand = runByHand(2, (p, g, [m, v], t) => {
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < p.length; i++) {
        m[i] += (1 - b1) * (g[i] - m[i]);
        v[i] += (1 - b2) * (g[i] * g[i] - v[i]);
        p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + 1e-7);
      }
    });
    expect(runOptimizer(new Adam(lr, b1, b2))).toEqual(hand);
  });

  it('Adam counts t once per update call, not once per parameter', () => {
    const adam = new Adam();
    runOptimizer(adam);
    expect(adam.state().scalars).toEqual({ t: 5 });
  });

  it("Adam's first step moves each entry lr g / (|g| + 1e-7 / sqrt(1 - beta2)) (the paper's form, eps 3.2e-6)", () => {
    const adam = new Adam(0.001);
    const [after] = runOptimizer(adam);
    const g = GRADS[0];
    for (const name of ['W', 'b']) {
      const expected = START[name].map((p, i) => p - (0.001 * g[name][i]) / (Math.abs(g[name][i]) + 1e-7 / Math.sqrt(1 - 0.999)));
      expectClose(after[name], expected, { abs: 1e-15, rel: 1e-12 });
    }
  });
});

describe('Nesterov keeps the look-ahead point (the corrected order)', () => {
  it('its first step is -(1 + momentum) lr g: v is still 0 when p moves', () => {
    const [after] = runOptimizer(new Nesterov(0.05, 0.8));
    expectClose(after.W, START.W.map((p, i) => p - 1.8 * 0.05 * GRADS[0].W[i]), { abs: 1e-16 });
  });

  it('equals classical NAG theta + momentum v on f(x, y) = x^2/20 + y^2, over 30 steps', () => {
    // Classical NAG: v <- mo v - lr grad f(theta + mo v); theta <- theta + v. The book's p is theta + mo v.
    const [lr, mo] = [0.1, 0.9];
    const theta = [-7, 2];
    const v = [0, 0];
    const params = { x: Matrix.fromArray([[-7]], 'float64'), y: Matrix.fromArray([[2]], 'float64') };
    const nesterov = new Nesterov(lr, mo);
    for (let k = 0; k < 30; k++) {
      const ahead = [theta[0] + mo * v[0], theta[1] + mo * v[1]];
      expectClose([params.x.data[0], params.y.data[0]], ahead, { abs: 1e-12 });
      const g = [ahead[0] / 10, 2 * ahead[1]];
      for (let i = 0; i < 2; i++) {
        v[i] = mo * v[i] - lr * g[i];
        theta[i] += v[i];
      }
      nesterov.update(params, { x: Matrix.fromArray([[params.x.data[0] / 10]], 'float64'), y: Matrix.fromArray([[2 * params.y.data[0]]], 'float64') });
    }
  });
});

describe("the book's experiment 1: optimizer_compare_naive", () => {
  const fixture = JSON.parse(
    fs.readFileSync(path.join(import.meta.dirname, '../fixtures/optimizer-compare-naive.json'), 'utf8'),
  ) as { lr: Record<string, number>; positions: Record<string, [number, number][]> };

  /** The 31 positions: before each of the 30 updates, then after the last. */
  function walk(optimizer: Optimizer): [number, number][] {
    const params = { x: Matrix.fromArray([[-7]], 'float64'), y: Matrix.fromArray([[2]], 'float64') };
    const grads = { x: Matrix.zeros(1, 1, 'float64'), y: Matrix.zeros(1, 1, 'float64') };
    const path: [number, number][] = [];
    for (let i = 0; i < 30; i++) {
      const [x, y] = [params.x.data[0], params.y.data[0]];
      path.push([x, y]);
      grads.x.data[0] = x / 10;
      grads.y.data[0] = 2 * y;
      optimizer.update(params, grads);
    }
    path.push([params.x.data[0], params.y.data[0]]);
    return path;
  }

  const make: Record<string, (lr: number) => Optimizer> = {
    SGD: (lr) => new SGD(lr),
    Momentum: (lr) => new Momentum(lr),
    AdaGrad: (lr) => new AdaGrad(lr),
    Adam: (lr) => new Adam(lr),
    Nesterov: (lr) => new Nesterov(lr),
    RMSprop: (lr) => new RMSprop(lr),
  };

  it('the fixture holds the book settings: SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3', () => {
    expect(fixture.lr).toMatchObject({ SGD: 0.95, Momentum: 0.1, AdaGrad: 1.5, Adam: 0.3 });
  });

  for (const name of ['SGD', 'Momentum', 'AdaGrad', 'Nesterov', 'RMSprop']) {
    it(`${name} follows the positions of the book's NumPy code bit for bit`, () => {
      const ours = walk(make[name](fixture.lr[name]));
      expect(ours.length).toBe(31);
      expect(ours).toEqual(fixture.positions[name]);
    });
  }

  // V8's ** is not C's pow to the last bit: 0.9 ** 4 is 0.6561000000000001 here, 0.6561 in CPython.
  it("Adam follows the book's NumPy positions to 1e-13 relative, and exactly for its first 3 updates", () => {
    const ours = walk(new Adam(fixture.lr.Adam));
    expectClose(ours.flat(), fixture.positions.Adam.flat(), { rel: 1e-13 });
    expect(ours.slice(0, 4)).toEqual(fixture.positions.Adam.slice(0, 4)); // exact until t = 4
  });

  it('SGD, Momentum, AdaGrad and Adam follow the same recurrences written here by hand, bit for bit', () => {
    const byHand = (step: (p: number[], g: number[], t: number) => void): [number, number][] => {
      const p = [-7, 2];
      const path: [number, number][] = [];
      for (let t = 1; t <= 30; t++) {
        path.push([p[0], p[1]]);
        step(p, [p[0] / 10, 2 * p[1]], t);
      }
      path.push([p[0], p[1]]);
      return path;
    };
    const v = [0, 0];
    const h = [0, 0];
    const m = [0, 0];
    const s = [0, 0];
    expect(walk(new SGD(0.95))).toEqual(byHand((p, g) => [0, 1].forEach((i) => (p[i] -= 0.95 * g[i]))));
    expect(walk(new Momentum(0.1))).toEqual(
      byHand((p, g) => [0, 1].forEach((i) => ((v[i] = 0.9 * v[i] - 0.1 * g[i]), (p[i] += v[i])))),
    );
    expect(walk(new AdaGrad(1.5))).toEqual(
      byHand((p, g) => [0, 1].forEach((i) => ((h[i] += g[i] * g[i]), (p[i] -= (1.5 * g[i]) / (Math.sqrt(h[i]) + 1e-7))))),
    );
    expect(walk(new Adam(0.3))).toEqual(
      byHand((p, g, t) => {
        const lrT = (0.3 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        for (const i of [0, 1]) {
          m[i] += (1 - 0.9) * (g[i] - m[i]);
          s[i] += (1 - 0.999) * (g[i] * g[i] - s[i]);
          p[i] -= (lrT * m[i]) / (Math.sqrt(s[i]) + 1e-7);
        }
      }),
    );
  });

  it('moves as the book describes: SGD zigzags in y, AdaGrad damps y at once, all end near the minimum', () => {
    const sgd = walk(new SGD(0.95));
    // lr 0.95 on dy = 2y: y <- y (1 - 1.9) = -0.9 y, a sign flip every step
    for (let i = 1; i < 31; i++) expect(Math.sign(sgd[i][1])).toBe(-Math.sign(sgd[i - 1][1]));
    const adagrad = walk(new AdaGrad(1.5));
    expect(Math.abs(adagrad[1][1])).toBeLessThan(0.51); // 2 - 1.5 * 4 / (4 + 1e-7): the first step takes y to 0.5
    const f = ([x, y]: [number, number]): number => (x * x) / 20 + y * y;
    for (const make1 of [() => new SGD(0.95), () => new Momentum(0.1), () => new AdaGrad(1.5), () => new Adam(0.3)]) {
      const path1 = walk(make1());
      expect(f(path1[30])).toBeLessThan(0.05 * f(path1[0]));
    }
  });
});

describe('state and resume', () => {
  function randomParams(seed: number): Record<string, Matrix> {
    const random = new Random(seed);
    const W = Matrix.zeros(3, 4, 'float32');
    const b = Matrix.zeros(1, 4, 'float32');
    for (const m of [W, b]) for (let i = 0; i < m.size; i++) m.data[i] = random.nextGaussian();
    return { W, b };
  }
  const cloneAll = (ps: Record<string, Matrix>): Record<string, Matrix> =>
    Object.fromEntries(Object.entries(ps).map(([k, m]) => [k, m.clone()]));
  const bytes = (ps: Record<string, Matrix>): number[][] =>
    Object.values(ps).map((m) => Array.from(new Uint8Array(m.data.buffer, m.data.byteOffset, m.data.byteLength)));

  /** A gradient that depends on the params (like a real loss), so a divergence would grow. */
  function step(opt: Optimizer, ps: Record<string, Matrix>): void {
    const grads = cloneAll(ps);
    for (const m of Object.values(grads)) for (let i = 0; i < m.size; i++) m.data[i] = Math.sin(3 * m.data[i]) + 0.1 * i;
    opt.update(ps, grads);
  }

  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: state() after 3 steps, loaded into a fresh one, continues byte for byte`, () => {
      const hyper = { lr: 0.05 };
      const a = makeOptimizer(name, hyper);
      const params = randomParams(5);
      for (let k = 0; k < 3; k++) step(a, params);
      const saved = a.state();
      const savedCopy = structuredClone(saved);
      const resumedParams = cloneAll(params);
      const freshParams = cloneAll(params);
      for (let k = 0; k < 3; k++) step(a, params);

      const b = makeOptimizer(name, hyper);
      b.loadState(saved);
      for (let k = 0; k < 3; k++) step(b, resumedParams);
      expect(bytes(resumedParams)).toEqual(bytes(params));
      expect(b.state()).toEqual(a.state());
      expect(saved).toEqual(savedCopy); // loadState took a copy: b's steps did not write into `saved`

      // Without the state the continuation differs (for all but SGD, which has none).
      const c = makeOptimizer(name, hyper);
      for (let k = 0; k < 3; k++) step(c, freshParams);
      if (name === 'sgd') expect(bytes(freshParams)).toEqual(bytes(params));
      else expect(bytes(freshParams)).not.toEqual(bytes(params));
    });
  }

  it('names each tensor <slot>.<param>, typed like its parameter, with Adam t as a scalar', () => {
    const expected: Record<string, string[]> = {
      sgd: [],
      momentum: ['v.W', 'v.b'],
      nesterov: ['v.W', 'v.b'],
      adagrad: ['h.W', 'h.b'],
      rmsprop: ['h.W', 'h.b'],
      adam: ['m.W', 'v.W', 'm.b', 'v.b'],
    };
    for (const name of OPTIMIZER_NAMES) {
      const opt = makeOptimizer(name);
      expect(opt.state()).toEqual({ scalars: name === 'adam' ? { t: 0 } : {}, tensors: {} });
      step(opt, randomParams(1));
      const { scalars, tensors } = opt.state();
      expect(Object.keys(tensors)).toEqual(expected[name]);
      for (const t of Object.values(tensors)) expect(t).toBeInstanceOf(Float32Array);
      expect(scalars).toEqual(name === 'adam' ? { t: 1 } : {});
    }
  });

  it('state() is a copy: changing it changes nothing inside the optimiser', () => {
    const m = new Momentum();
    const params = randomParams(2);
    step(m, params);
    const first = m.state();
    first.tensors['v.W'].fill(123);
    expect(m.state().tensors['v.W'][0]).not.toBe(123);
  });

  it('loadState rejects unknown tensors, a missing slot, a bad t; update rejects a state of another shape', () => {
    expect(() => new Momentum().loadState({ scalars: {}, tensors: { 'm.W': new Float32Array(2) } })).toThrow(
      /unexpected tensor 'm.W' \(expected v.<param>\)/,
    );
    expect(() => new Adam().loadState({ scalars: { t: 1 }, tensors: { 'm.W': new Float32Array(2) } })).toThrow(/'v.W' is missing/);
    expect(() => new Adam().loadState({ scalars: { t: 1.5 }, tensors: {} })).toThrow(/t must be an integer/);
    expect(() => new SGD().loadState({ scalars: { t: 1 }, tensors: {} })).toThrow(/unexpected scalar 't'/);
    const m = new Momentum();
    m.loadState({ scalars: {}, tensors: { 'v.W': new Float32Array(5), 'v.b': new Float32Array(4) } });
    const params = randomParams(3);
    const before = bytes(params);
    expect(() => step(m, params)).toThrow(/state 'v.W' is a Float32Array of 5 values, parameter 'W' a Float32Array of 12/);
    expect(bytes(params)).toEqual(before);
  });

  for (const name of OPTIMIZER_NAMES) {
    it(`${name}: updates any subset of the named matrices (a frozen layer), as the book's optimizers do`, () => {
      const all = randomParams(4);
      const opt = makeOptimizer(name, {});
      step(opt, all);
      const frozen = bytes({ W: all.W });
      step(opt, { b: all.b }); // W is frozen: its slots stay, unused
      expect(bytes({ W: all.W })).toEqual(frozen);
      step(opt, all);
      expect(bytes({ W: all.W })).not.toEqual(frozen);
    });
  }
});

describe('defaults, names and bad input', () => {
  it("has the book's defaults", () => {
    expect(new SGD().hyper()).toEqual({ lr: 0.01 });
    expect(new Momentum().hyper()).toEqual({ lr: 0.01, momentum: 0.9 });
    expect(new Nesterov().hyper()).toEqual({ lr: 0.01, momentum: 0.9 });
    expect(new AdaGrad().hyper()).toEqual({ lr: 0.01 });
    expect(new RMSprop().hyper()).toEqual({ lr: 0.01, decayRate: 0.99 });
    expect(new Adam().hyper()).toEqual({ lr: 0.001, beta1: 0.9, beta2: 0.999 });
  });

  it('makeOptimizer takes the six names in any case, and rebuilds an optimiser from name and hyper()', () => {
    const classes = [SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam];
    OPTIMIZER_NAMES.forEach((name, i) => {
      const opt = makeOptimizer(name.toUpperCase());
      expect(opt).toBeInstanceOf(classes[i]);
      expect(opt.name).toBe(name);
    });
    const adam = makeOptimizer('Adam', { lr: 0.3, beta2: 0.99 });
    expect(adam.hyper()).toEqual({ lr: 0.3, beta1: 0.9, beta2: 0.99 });
    expect(makeOptimizer(adam.name, adam.hyper()).hyper()).toEqual(adam.hyper());
  });

  it('rejects an unknown name, a hyperparameter the optimiser does not take, and out-of-range values', () => {
    expect(() => makeOptimizer('lbfgs')).toThrow(/optimizer must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, got 'lbfgs'/);
    expect(() => makeOptimizer('sgd', { momentum: 0.9 })).toThrow(/optimizer sgd takes lr; got 'momentum'/);
    expect(() => new SGD(0)).toThrow(/SGD: lr must be a finite number > 0/);
    expect(() => new SGD(Number.NaN)).toThrow(RangeError);
    expect(() => new Momentum(0.01, 1)).toThrow(/Momentum: momentum must be a finite number >= 0 and < 1, got 1/);
    expect(() => new RMSprop(0.01, -0.1)).toThrow(/decayRate/);
    expect(() => new Adam(0.001, 0.9, 1)).toThrow(/beta2/);
  });

  it('update rejects a missing or misshapen gradient before changing anything', () => {
    const params = toMatrices(START);
    const opt = new Adam();
    expect(() => opt.update(params, { W: toMatrices(GRADS[0]).W })).toThrow(/no gradient for parameter 'b'/);
    expect(() => opt.update(params, { W: Matrix.zeros(3, 2, 'float64'), b: toMatrices(GRADS[0]).b })).toThrow(
      /gradient 'W' is 3 x 2, the parameter 2 x 3/,
    );
    expect(Array.from(params.W.data)).toEqual(START.W);
    expect(opt.state()).toEqual({ scalars: { t: 0 }, tensors: {} });
  });
});
