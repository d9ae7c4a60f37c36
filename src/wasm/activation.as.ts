/**
 * Activations on four floats at a time (v128 = f32x4), forward and backward, for the row
 * kernels of dense.as.ts and sparse.as.ts, which apply them to sums still in registers.
 *
 * A mode says what to do with a vector a of sums (aux: the activation's output h, same place):
 *   ACT_NONE    a
 *   ACT_RELU    max(a, 0)              (pmax: a NaN stays NaN, so divergence stays visible)
 *   ACT_SIGMOID 1 / (1 + exp(-a))
 *   ACT_TANH    tanh(a)
 *   BWD + ACT_RELU     a where h > 0, else 0        (h > 0 exactly where the input was)
 *   BWD + ACT_SIGMOID  (a h) (1 - h)
 *   BWD + ACT_TANH     a (1 - h h)
 * The backward forms are the layers' (layers/*.ts), in the same order of operations. exp and
 * tanh are float32 approximations (Cephes' expf and tanhf, within ~2 ulp), where the layers
 * compute them in float64: results differ in the last bits.
 */
import { ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_TANH } from './layout.as';

/** Added to an ACT_* code: its backward. */
export const BWD: i32 = 4;

/** a after `mode`, with h the activation's output at the same place (backward modes only). */
// @ts-ignore: decorator
@inline export function applyMode(a: v128, mode: i32, h: usize): v128 {
  if (mode == ACT_RELU) return f32x4.pmax(a, f32x4.splat(0));
  if (mode == BWD + ACT_RELU) return v128.and(a, f32x4.gt(v128.load(h), f32x4.splat(0)));
  return mode == ACT_NONE ? a : applySlow(a, mode, h);
}

/** The modes with arithmetic: not inlined (called once per block of sums, not per term). */
function applySlow(a: v128, mode: i32, h: usize): v128 {
  const one = f32x4.splat(1);
  if (mode == ACT_SIGMOID) return f32x4.div(one, f32x4.add(one, expV(f32x4.neg(a))));
  if (mode == ACT_TANH) return tanhV(a);
  const y = v128.load(h);
  if (mode == BWD + ACT_SIGMOID) return f32x4.mul(f32x4.mul(a, y), f32x4.sub(one, y));
  if (mode == BWD + ACT_TANH) return f32x4.mul(a, f32x4.sub(one, f32x4.mul(y, y)));
  return a;
}

/** The activation of one row's columns [c0, c1) in place (ACTIVATION op), 4 at a time. */
export function activateRow(row: usize, c0: i32, c1: i32, mode: i32, aux: usize): void {
  for (let c = c0; c < c1; c += 4) {
    const o = <usize>c << 2;
    v128.store(row + o, applyMode(v128.load(row + o), mode, aux + o));
  }
}

/**
 * exp(x), four at a time (Cephes expf): x = n ln 2 + r with |r| <= ln 2 / 2, exp(r) by a
 * degree-7 polynomial, times 2^n built in the exponent bits. x is clamped to [-87.3, 88.3]
 * (2^n stays a normal float): below, exp(x) comes out near 1e-38 instead of smaller.
 */
function expV(v: v128): v128 {
  let x = f32x4.min(f32x4.max(v, f32x4.splat(-87.3)), f32x4.splat(88.3));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  x = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  x = f32x4.add(x, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  const z = f32x4.mul(x, x);
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), x), f32x4.splat(1));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2n);
}

/**
 * tanh(x), four at a time (Cephes tanhf): for |x| < 0.625 an odd polynomial x + x^3 P(x^2)
 * (no cancellation near 0), else sign(x) (1 - 2 / (exp(2 |x|) + 1)).
 */
function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expV(f32x4.add(ax, ax));
  const big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(signed, small, f32x4.ge(ax, f32x4.splat(0.625)));
}
