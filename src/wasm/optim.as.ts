/**
 * The optimizers' update (book 6.1; src/optim/*.ts is the reference), four floats at a time
 * over one region of the parameters: p the parameter, g its gradient, s0 and s1 its slots at
 * the same offsets in their buffers (the UPDATE op, program.as.ts). In this order, each
 * operation rounded to float32 (the reference rounds to float32 once per statement):
 *   (weight decay, WEIGHT regions only) g = g + lambda p
 *   SGD       p = p + (-lr) g
 *   Momentum  v = momentum v - lr g;  p = p + v
 *   Nesterov  p = p + momentum^2 v;  p = p - (1 + momentum) lr g;  v = momentum v;  v = v - lr g
 *   AdaGrad   h = h + g g;  p = p - (lr g) / (sqrt(h) + 1e-7)
 *   RMSprop   h = decayRate h;  h = h + ((1 - decayRate) g) g;  p = p - (lr g) / (sqrt(h) + 1e-7)
 *   Adam      m = m + (1 - beta1)(g - m);  v = v + (1 - beta2)(g g - v);
 *             p = p - (lr_t m) / (sqrt(v) + 1e-7),  lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t)
 * (Nesterov's v after p: the book's corrected order. lr_t and the products of hyperparameters
 * come from the caller, computed in float64.) A padding float has p = g = 0 and stays 0.
 *
 * One difference from the reference: a slot (v, h, m) whose new value is below 2^-100 in
 * magnitude is stored as 0 (flush). A slot that decays geometrically while its gradient is 0,
 * as Adam's m (x 0.9 a step) and Momentum's v do for a pixel that is rarely nonzero, would
 * otherwise reach the denormal floats (below 2^-126) within a thousand steps, and x86 cores
 * take some 50 times as long over those (Adam, measured on an Intel Xeon: 1.3 ns a parameter,
 * 53 ns with m denormal). Kept above 2^-100, no product of a slot with a rate of at least 2^-26
 * (1 - beta1, 1 - beta2, lr_t, ...) is denormal either. What a weight loses is below 2^-100 lr_t
 * / 1e-7 a step (Adam; Momentum: 2^-100): far below a float32 rounding of any weight.
 * deep-adam's update took 205 us a step without it, 111-125 us with it (two threads).
 */
import {
  OPT_ADAGRAD, OPT_ADAM, OPT_MOMENTUM, OPT_NESTEROV, OPT_RMSPROP,
  TEAM_DECAY_RATE, TEAM_G_SCALE, TEAM_H_RATE, TEAM_LAMBDA, TEAM_LR, TEAM_LR_T, TEAM_MOMENTUM, TEAM_M_RATE, TEAM_V_RATE, TEAM_V_SCALE,
} from './layout.as';

// The step's hyperparameters, read by readHyper when a thread's step starts (the caller may
// write the next step's before this thread's update of this step is done).
let lr: f32 = 0;
let momentum: f32 = 0;
let vScale: f32 = 0;
let gScale: f32 = 0;
let decayRate: f32 = 0;
let hRate: f32 = 0;
let mRate: f32 = 0;
let vRate: f32 = 0;
let lrT: f32 = 0;
let lambda: f32 = 0;

export function readHyper(team: usize): void {
  lr = load<f32>(team + TEAM_LR);
  momentum = load<f32>(team + TEAM_MOMENTUM);
  vScale = load<f32>(team + TEAM_V_SCALE);
  gScale = load<f32>(team + TEAM_G_SCALE);
  decayRate = load<f32>(team + TEAM_DECAY_RATE);
  hRate = load<f32>(team + TEAM_H_RATE);
  mRate = load<f32>(team + TEAM_M_RATE);
  vRate = load<f32>(team + TEAM_V_RATE);
  lrT = load<f32>(team + TEAM_LR_T);
  lambda = load<f32>(team + TEAM_LAMBDA);
}

/** This step's learning rate (the first layer's SGD step from the pixel lists uses it too). */
export function learningRate(): f32 {
  return lr;
}

const EPSILON: f32 = 1e-7;

/** 2^-100: the smallest slot magnitude kept (above). */
const FLUSH_BELOW: f32 = 7.888609052210118e-31;

/** x with its lanes below FLUSH_BELOW in magnitude set to 0 (a NaN is kept: divergence stays visible). */
// @ts-ignore: decorator
@inline function flush(x: v128): v128 {
  return v128.andnot(x, f32x4.lt(f32x4.abs(x), f32x4.splat(FLUSH_BELOW)));
}

/** Updates rows x cols floats (cols a multiple of 4) at p, g, s0, s1, rows `stride` bytes apart; `weight`: weight decay applies. */
export function updateRegion(kind: i32, p: usize, g: usize, s0: usize, s1: usize, rows: i32, cols: i32, stride: usize, weight: bool): void {
  const decay = weight && lambda != 0;
  if (stride == (<usize>cols << 2)) {
    updateRun(kind, p, g, s0, s1, rows * cols, decay); // one contiguous run
    return;
  }
  for (let r = 0; r < rows; r++) {
    const o = <usize>r * stride;
    updateRun(kind, p + o, g + o, s0 + o, s1 + o, cols, decay);
  }
}

function updateRun(kind: i32, p: usize, g: usize, s0: usize, s1: usize, n: i32, decay: bool): void {
  const end = p + (<usize>n << 2);
  if (kind == OPT_MOMENTUM) momentumRun(p, g, s0, end, decay);
  else if (kind == OPT_NESTEROV) nesterovRun(p, g, s0, end, decay);
  else if (kind == OPT_ADAGRAD) adagradRun(p, g, s0, end, decay);
  else if (kind == OPT_RMSPROP) rmspropRun(p, g, s0, end, decay);
  else if (kind == OPT_ADAM) adamRun(p, g, s0, s1, end, decay);
  else sgdRun(p, g, end, decay);
}

/** The gradient at g, with weight decay's lambda w when `decay`. */
// @ts-ignore: decorator
@inline function gradient(g: usize, w: v128, decay: bool): v128 {
  const gj = v128.load(g);
  return decay ? f32x4.add(gj, f32x4.mul(f32x4.splat(lambda), w)) : gj;
}

function sgdRun(p: usize, g: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(-lr);
  for (; p < end; p += 16, g += 16) {
    const w = v128.load(p);
    v128.store(p, f32x4.add(w, f32x4.mul(rate, gradient(g, w, decay))));
  }
}

function momentumRun(p: usize, g: usize, v: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(lr), mu = f32x4.splat(momentum);
  for (; p < end; p += 16, g += 16, v += 16) {
    const w = v128.load(p);
    const vj = flush(f32x4.sub(f32x4.mul(mu, v128.load(v)), f32x4.mul(rate, gradient(g, w, decay))));
    v128.store(v, vj);
    v128.store(p, f32x4.add(w, vj));
  }
}

function nesterovRun(p: usize, g: usize, v: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(lr), mu = f32x4.splat(momentum), vS = f32x4.splat(vScale), gS = f32x4.splat(gScale);
  for (; p < end; p += 16, g += 16, v += 16) {
    let w = v128.load(p);
    const gj = gradient(g, w, decay);
    const vj = v128.load(v);
    w = f32x4.add(w, f32x4.mul(vS, vj));
    v128.store(p, f32x4.sub(w, f32x4.mul(gS, gj)));
    v128.store(v, flush(f32x4.sub(f32x4.mul(mu, vj), f32x4.mul(rate, gj))));
  }
}

function adagradRun(p: usize, g: usize, h: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(lr), eps = f32x4.splat(EPSILON);
  for (; p < end; p += 16, g += 16, h += 16) {
    const w = v128.load(p);
    const gj = gradient(g, w, decay);
    const hj = flush(f32x4.add(v128.load(h), f32x4.mul(gj, gj)));
    v128.store(h, hj);
    v128.store(p, f32x4.sub(w, f32x4.div(f32x4.mul(rate, gj), f32x4.add(f32x4.sqrt(hj), eps))));
  }
}

function rmspropRun(p: usize, g: usize, h: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(lr), eps = f32x4.splat(EPSILON), rho = f32x4.splat(decayRate), gRate = f32x4.splat(hRate);
  for (; p < end; p += 16, g += 16, h += 16) {
    const w = v128.load(p);
    const gj = gradient(g, w, decay);
    const hj = flush(f32x4.add(f32x4.mul(rho, v128.load(h)), f32x4.mul(f32x4.mul(gRate, gj), gj)));
    v128.store(h, hj);
    v128.store(p, f32x4.sub(w, f32x4.div(f32x4.mul(rate, gj), f32x4.add(f32x4.sqrt(hj), eps))));
  }
}

function adamRun(p: usize, g: usize, m: usize, v: usize, end: usize, decay: bool): void {
  const rate = f32x4.splat(lrT), eps = f32x4.splat(EPSILON), b1 = f32x4.splat(mRate), b2 = f32x4.splat(vRate);
  for (; p < end; p += 16, g += 16, m += 16, v += 16) {
    const w = v128.load(p);
    const gj = gradient(g, w, decay);
    let mj = v128.load(m);
    let vj = v128.load(v);
    mj = flush(f32x4.add(mj, f32x4.mul(b1, f32x4.sub(gj, mj))));
    vj = flush(f32x4.add(vj, f32x4.mul(b2, f32x4.sub(f32x4.mul(gj, gj), vj))));
    v128.store(m, mj);
    v128.store(v, vj);
    v128.store(p, f32x4.sub(w, f32x4.div(f32x4.mul(rate, mj), f32x4.add(f32x4.sqrt(vj), eps))));
  }
}
