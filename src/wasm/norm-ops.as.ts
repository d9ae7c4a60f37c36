/**
 * Batch norm and dropout ops of the wasm program (engine/program.ts places them, layout.ts
 * lists their fields), each on this thread's columns of its layer (the runs of slots t,
 * t + active, ...), every image: a column's statistics are its own, so no thread waits for
 * another, and every float is the same whichever thread computes it.
 *
 * BatchNormalization (book 6.3, layers/batch-normalization.ts), per column over the N rows:
 *   mu = mean(x), var = mean((x - mu)^2), std = sqrt(var + 1e-6), xn = (x - mu) / std,
 *   y = gamma xn + beta; backward: dbeta = sum(dy), dgamma = sum(xn dy),
 *   dx = (gamma / std) (dy - dbeta / N - xn dgamma / N).
 *   The sums run in float64 (as the layer's), the rest in float32. Test mode (counting):
 *   y = gamma (x - runningMean) / sqrt(runningVar + 1e-6) + beta.
 * Dropout (book 6.4.3, not inverted; layers/dropout-mask.ts gives the mask's formula): unit j
 *   of batch row n is kept where the top 24 bits m of MurmurHash3_x86_32([iteration, layer, n,
 *   j], seed) are above floor(ratio 2^24) (u = m / 2^24 > ratio, exactly); four units at a time
 *   in i32x4 lanes. Test mode scales by 1 - ratio.
 */
import { applyMode } from './activation.as';
import {
  BN_BACKWARD_DA, BN_BACKWARD_DBETA, BN_BACKWARD_DGAMMA, BN_BACKWARD_GAMMA, BN_BACKWARD_ROW_BYTES, BN_BACKWARD_RUNS,
  BN_BACKWARD_STD, BN_BACKWARD_XN, BN_FORWARD_ACT, BN_FORWARD_BETA, BN_FORWARD_GAMMA, BN_FORWARD_MEAN,
  BN_FORWARD_ROW_BYTES, BN_FORWARD_RUNS, BN_FORWARD_STD, BN_FORWARD_VALID_END, BN_FORWARD_VAR, BN_FORWARD_X,
  BN_FORWARD_XN, BN_STATS_MEAN, BN_STATS_RUNNING_MEAN, BN_STATS_RUNNING_VAR, BN_STATS_RUNS, BN_STATS_VAR,
  C_NORM_ACT, C_NORM_BETA, C_NORM_BN, C_NORM_GAMMA, C_NORM_MEAN, C_NORM_OUT, C_NORM_RUNS, C_NORM_SCALE, C_NORM_VALID_END,
  C_NORM_VAR, DROPOUT_BACKWARD_DA, DROPOUT_BACKWARD_MASK, DROPOUT_BACKWARD_MASK_ROW_BYTES, DROPOUT_BACKWARD_ROW_BYTES,
  DROPOUT_BACKWARD_RUNS, DROPOUT_LAYER, DROPOUT_MASK, DROPOUT_MASK_ROW_BYTES, DROPOUT_ROW_BYTES, DROPOUT_RUNS,
  DROPOUT_UNITS, DROPOUT_X,
} from './layout.as';
import {
  N, active, bnMomentum, dropIteration, dropSeed, dropThreshold, i, runEnd, runStart, thread, threads, u, zeroPadding,
} from './step-context.as';

/** The book's eps, 10e-7 (layers/batch-normalization.ts BATCH_NORM_EPS). */
const EPS: f64 = 1e-6;

/** The four floats at p as two pairs of float64. */
// @ts-ignore: decorator
@inline function low(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
/** Two pairs of float64 as four floats. */
// @ts-ignore: decorator
@inline function join(lo: v128, hi: v128): v128 {
  const a = f32x4.demote_f64x2_zero(lo), b = f32x4.demote_f64x2_zero(hi);
  return v128.shuffle<f32>(a, b, 0, 1, 4, 5);
}

/** BN_FORWARD (train mode): the columns' batch mean, var and std, then xn and y = act(gamma xn + beta) in place. */
export function opBnForward(op: usize): void {
  const x = u(op, BN_FORWARD_X), rowBytes = u(op, BN_FORWARD_ROW_BYTES), xnAt = u(op, BN_FORWARD_XN);
  const meanAt = u(op, BN_FORWARD_MEAN), varAt = u(op, BN_FORWARD_VAR), stdAt = u(op, BN_FORWARD_STD);
  const gamma = u(op, BN_FORWARD_GAMMA), beta = u(op, BN_FORWARD_BETA), act = i(op, BN_FORWARD_ACT);
  const runs = u(op, BN_FORWARD_RUNS), validEnd = i(op, BN_FORWARD_VALID_END);
  const n = f64x2.splat(<f64>N), eps = f64x2.splat(EPS);
  for (let t = thread; t < threads; t += active) {
    const c0 = runStart(runs, t), c1 = runEnd(runs, t);
    for (let c = c0; c < c1; c += 4) {
      const o = <usize>c << 2;
      let sumLo = f64x2.splat(0), sumHi = f64x2.splat(0);
      for (let r = 0; r < N; r++) {
        const v = v128.load(x + <usize>r * rowBytes + o);
        sumLo = f64x2.add(sumLo, low(v));
        sumHi = f64x2.add(sumHi, high(v));
      }
      const muLo = f64x2.div(sumLo, n), muHi = f64x2.div(sumHi, n);
      let sqLo = f64x2.splat(0), sqHi = f64x2.splat(0);
      for (let r = 0; r < N; r++) {
        const v = v128.load(x + <usize>r * rowBytes + o);
        const dLo = f64x2.sub(low(v), muLo), dHi = f64x2.sub(high(v), muHi);
        sqLo = f64x2.add(sqLo, f64x2.mul(dLo, dLo));
        sqHi = f64x2.add(sqHi, f64x2.mul(dHi, dHi));
      }
      const varLo = f64x2.div(sqLo, n), varHi = f64x2.div(sqHi, n);
      const mu = join(muLo, muHi);
      const std = join(f64x2.sqrt(f64x2.add(varLo, eps)), f64x2.sqrt(f64x2.add(varHi, eps)));
      v128.store(meanAt + o, mu);
      v128.store(varAt + o, join(varLo, varHi));
      v128.store(stdAt + o, std);
      const g = v128.load(gamma + o), b = v128.load(beta + o);
      for (let r = 0; r < N; r++) {
        const at = x + <usize>r * rowBytes + o;
        const xn = f32x4.div(f32x4.sub(v128.load(at), mu), std);
        v128.store(xnAt + <usize>r * rowBytes + o, xn);
        v128.store(at, applyMode(f32x4.add(f32x4.mul(g, xn), b), act, 0));
      }
    }
    for (let r = 0; r < N; r++) zeroPadding(x + <usize>r * rowBytes, c0, c1, validEnd);
  }
}

/** BN_STATS (once the step is taken): running = momentum running + (1 - momentum) batch, mean and var. */
export function opBnStats(op: usize): void {
  const mean = u(op, BN_STATS_MEAN), variance = u(op, BN_STATS_VAR);
  const rm = u(op, BN_STATS_RUNNING_MEAN), rv = u(op, BN_STATS_RUNNING_VAR), runs = u(op, BN_STATS_RUNS);
  const m = <f32>bnMomentum, keep = f32x4.splat(m), take = f32x4.splat(<f32>(1 - bnMomentum));
  for (let t = thread; t < threads; t += active) {
    for (let c = runStart(runs, t); c < runEnd(runs, t); c += 4) {
      const o = <usize>c << 2;
      v128.store(rm + o, f32x4.add(f32x4.mul(keep, v128.load(rm + o)), f32x4.mul(take, v128.load(mean + o))));
      v128.store(rv + o, f32x4.add(f32x4.mul(keep, v128.load(rv + o)), f32x4.mul(take, v128.load(variance + o))));
    }
  }
}

/** BN_BACKWARD: dgamma, dbeta of the columns, and dA (dL/dy on entry) becomes dL/dx in place. */
export function opBnBackward(op: usize): void {
  const da = u(op, BN_BACKWARD_DA), rowBytes = u(op, BN_BACKWARD_ROW_BYTES), xnAt = u(op, BN_BACKWARD_XN);
  const stdAt = u(op, BN_BACKWARD_STD), gamma = u(op, BN_BACKWARD_GAMMA);
  const dgamma = u(op, BN_BACKWARD_DGAMMA), dbeta = u(op, BN_BACKWARD_DBETA), runs = u(op, BN_BACKWARD_RUNS);
  const inverseN = f32x4.splat(<f32>(1 / <f64>N));
  for (let t = thread; t < threads; t += active) {
    for (let c = runStart(runs, t); c < runEnd(runs, t); c += 4) {
      const o = <usize>c << 2;
      let bLo = f64x2.splat(0), bHi = f64x2.splat(0), gLo = f64x2.splat(0), gHi = f64x2.splat(0);
      for (let r = 0; r < N; r++) {
        const dy = v128.load(da + <usize>r * rowBytes + o), xn = v128.load(xnAt + <usize>r * rowBytes + o);
        const dyLo = low(dy), dyHi = high(dy);
        bLo = f64x2.add(bLo, dyLo);
        bHi = f64x2.add(bHi, dyHi);
        gLo = f64x2.add(gLo, f64x2.mul(low(xn), dyLo));
        gHi = f64x2.add(gHi, f64x2.mul(high(xn), dyHi));
      }
      const db = join(bLo, bHi), dg = join(gLo, gHi);
      v128.store(dbeta + o, db);
      v128.store(dgamma + o, dg);
      const scale = f32x4.div(v128.load(gamma + o), v128.load(stdAt + o));
      const meanDy = f32x4.mul(db, inverseN), meanXnDy = f32x4.mul(dg, inverseN);
      for (let r = 0; r < N; r++) {
        const at = da + <usize>r * rowBytes + o;
        const xn = v128.load(xnAt + <usize>r * rowBytes + o);
        v128.store(at, f32x4.mul(scale, f32x4.sub(f32x4.sub(v128.load(at), meanDy), f32x4.mul(xn, meanXnDy))));
      }
    }
  }
}

// ---------------------------------------------------------------- dropout

/** MurmurHash3's finish for a 16-byte key: the top 24 bits (m) of each lane's hash. */
// @ts-ignore: decorator
@inline function finish(h: v128): v128 {
  h = v128.xor(h, i32x4.splat(16));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13));
  h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  h = v128.xor(h, i32x4.shr_u(h, 16));
  return i32x4.shr_u(h, 8);
}

/**
 * MurmurHash3_x86_32's block, h = rotl(h ^ mix(k), 13) 5 + 0xe6546b64 with mix(k) = rotl(k c1,
 * 15) c2, in two parts: mixKey (a unit's key, the same for every row: mixed once per column)
 * and absorbMixed (the rest, four lanes). absorbLane is the whole block on one lane.
 */
// @ts-ignore: decorator
@inline function mixKey(k: v128): v128 {
  k = i32x4.mul(k, i32x4.splat(0xcc9e2d51));
  k = v128.or(i32x4.shl(k, 15), i32x4.shr_u(k, 17));
  return i32x4.mul(k, i32x4.splat(0x1b873593));
}

/** The block's rest after mixKey (h 5 as h 4 + h: the same bits, one multiply fewer). */
// @ts-ignore: decorator
@inline function absorbMixed(h: v128, k: v128): v128 {
  h = v128.xor(h, k);
  h = v128.or(i32x4.shl(h, 13), i32x4.shr_u(h, 19));
  return i32x4.add(i32x4.add(i32x4.shl(h, 2), h), i32x4.splat(0xe6546b64));
}

/** The whole block on one lane: the prefix and a row's hash are the same in every lane. */
function absorbLane(h: u32, k: u32): u32 {
  k *= 0xcc9e2d51;
  k = (k << 15) | (k >>> 17);
  k *= 0x1b873593;
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return h * 5 + 0xe6546b64;
}

/** One vector of DROPOUT: the keep mask of the four units whose mixed keys are k (valid: not padding), applied at x, its bytes at m. */
// @ts-ignore: decorator
@inline function dropVector(row: v128, k: v128, valid: v128, threshold: v128, x: usize, m: usize): void {
  const keep = v128.and(i32x4.gt_s(finish(absorbMixed(row, k)), threshold), valid);
  v128.store(x, v128.and(v128.load(x), keep));
  store<i32>(m, i32x4.extract_lane(i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(keep, keep), keep), 0));
}

/**
 * DROPOUT (train mode): each unit's keep mask from its hash, stored a byte an entry (0xff kept),
 * and x *= mask. Columns go four vectors at a time, their keys mixed once for every row.
 */
export function opDropout(op: usize): void {
  const x = u(op, DROPOUT_X), rowBytes = u(op, DROPOUT_ROW_BYTES), mask = u(op, DROPOUT_MASK);
  const maskRowBytes = u(op, DROPOUT_MASK_ROW_BYTES), units = u(op, DROPOUT_UNITS), layer = i(op, DROPOUT_LAYER);
  const runs = u(op, DROPOUT_RUNS);
  const prefix = absorbLane(absorbLane(<u32>dropSeed, <u32>dropIteration), <u32>layer);
  const threshold = i32x4.splat(dropThreshold);
  const zero = i32x4.splat(0);
  for (let t = thread; t < threads; t += active) {
    const c1 = runEnd(runs, t);
    for (let c = runStart(runs, t); c < c1; c += 16) {
      const nv = min(4, (c1 - c) >> 2);
      const at = units + (<usize>c << 2);
      // Padding columns (unit -1) are never kept.
      const u0 = v128.load(at), u1 = nv > 1 ? v128.load(at, 16) : zero, u2 = nv > 2 ? v128.load(at, 32) : zero, u3 = nv > 3 ? v128.load(at, 48) : zero;
      const k0 = mixKey(u0), k1 = mixKey(u1), k2 = mixKey(u2), k3 = mixKey(u3);
      const ok0 = i32x4.ge_s(u0, zero), ok1 = i32x4.ge_s(u1, zero), ok2 = i32x4.ge_s(u2, zero), ok3 = i32x4.ge_s(u3, zero);
      for (let r = 0; r < N; r++) {
        const row = i32x4.splat(absorbLane(prefix, <u32>r));
        const xr = x + <usize>r * rowBytes + (<usize>c << 2), mr = mask + <usize>r * maskRowBytes + <usize>c;
        dropVector(row, k0, ok0, threshold, xr, mr);
        if (nv > 1) dropVector(row, k1, ok1, threshold, xr + 16, mr + 4);
        if (nv > 2) dropVector(row, k2, ok2, threshold, xr + 32, mr + 8);
        if (nv > 3) dropVector(row, k3, ok3, threshold, xr + 48, mr + 12);
      }
    }
  }
}

/** DROPOUT_BACKWARD: dA *= the mask of the forward. */
export function opDropoutBackward(op: usize): void {
  const da = u(op, DROPOUT_BACKWARD_DA), rowBytes = u(op, DROPOUT_BACKWARD_ROW_BYTES), mask = u(op, DROPOUT_BACKWARD_MASK);
  const maskRowBytes = u(op, DROPOUT_BACKWARD_MASK_ROW_BYTES), runs = u(op, DROPOUT_BACKWARD_RUNS);
  for (let r = 0; r < N; r++) {
    for (let t = thread; t < threads; t += active) {
      for (let c = runStart(runs, t); c < runEnd(runs, t); c += 4) {
        const bytes = i32x4.splat(load<i32>(mask + <usize>r * maskRowBytes + <usize>c));
        const keep = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(bytes));
        const at = da + <usize>r * rowBytes + (<usize>c << 2);
        v128.store(at, v128.and(v128.load(at), keep));
      }
    }
  }
}

// ---------------------------------------------------------------- counting (test mode)

/** C_NORM: one image's row on a lane, every run: batch norm with the running stats (BN 1), the activation, times SCALE. */
export function opCNorm(op: usize, lane: usize, runCount: i32): void {
  const out = lane + u(op, C_NORM_OUT), bn = i(op, C_NORM_BN) != 0, act = i(op, C_NORM_ACT);
  const gamma = u(op, C_NORM_GAMMA), beta = u(op, C_NORM_BETA), mean = u(op, C_NORM_MEAN), variance = u(op, C_NORM_VAR);
  const scale = f32x4.splat(load<f32>(op + C_NORM_SCALE)), runs = u(op, C_NORM_RUNS), validEnd = i(op, C_NORM_VALID_END);
  const eps = f32x4.splat(<f32>EPS);
  for (let t = 0; t < runCount; t++) {
    const c0 = runStart(runs, t), c1 = runEnd(runs, t);
    for (let c = c0; c < c1; c += 4) {
      const o = <usize>c << 2;
      let y = v128.load(out + o);
      if (bn) {
        const std = f32x4.sqrt(f32x4.add(v128.load(variance + o), eps));
        y = f32x4.add(f32x4.mul(v128.load(gamma + o), f32x4.div(f32x4.sub(y, v128.load(mean + o)), std)), v128.load(beta + o));
      }
      v128.store(out + o, f32x4.mul(applyMode(y, act, 0), scale));
    }
    zeroPadding(out, c0, c1, validEnd);
  }
}
