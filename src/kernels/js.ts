/**
 * The reference kernels in plain TypeScript: the clearest statement of each formula, and the
 * oracle that every faster backend is tested against. Loops are written in the order that
 * walks memory contiguously (i-k-j for products), which is also what lets the first layer
 * skip the zero pixels of MNIST (about 81% of them) at no extra cost.
 */
import type { FloatArray } from './matrix.js';
import type { Kernels } from './kernels.js';

export const jsKernels: Kernels = {
  name: 'js',

  matmul(out, a, b, M, K, P) {
    // out[i, :] = sum_k a[i, k] * b[k, :]
    out.fill(0, 0, M * P);
    for (let i = 0; i < M; i++) {
      const oi = i * P;
      for (let k = 0; k < K; k++) {
        const aik = a[i * K + k];
        if (aik === 0) continue;
        const bk = k * P;
        for (let j = 0; j < P; j++) out[oi + j] += aik * b[bk + j];
      }
    }
  },

  matmulTransB(out, a, b, M, P, K) {
    // out[i, k] = sum_j a[i, j] * b[k, j]: rows of a against rows of b
    for (let i = 0; i < M; i++) {
      const ai = i * P;
      for (let k = 0; k < K; k++) {
        const bk = k * P;
        let s = 0;
        for (let j = 0; j < P; j++) s += a[ai + j] * b[bk + j];
        out[i * K + k] = s;
      }
    }
  },

  matmulTransA(out, a, b, M, K, P) {
    // out[k, :] = sum_i a[i, k] * b[i, :]
    out.fill(0, 0, K * P);
    for (let i = 0; i < M; i++) {
      const bi = i * P;
      for (let k = 0; k < K; k++) {
        const aik = a[i * K + k];
        if (aik === 0) continue;
        const ok = k * P;
        for (let j = 0; j < P; j++) out[ok + j] += aik * b[bi + j];
      }
    }
  },

  addRowVector(out, bias, N, H) {
    for (let i = 0; i < N; i++) {
      const oi = i * H;
      for (let j = 0; j < H; j++) out[oi + j] += bias[j];
    }
  },

  sumColumns(out, a, N, H) {
    out.fill(0, 0, H);
    for (let i = 0; i < N; i++) {
      const ai = i * H;
      for (let j = 0; j < H; j++) out[j] += a[ai + j];
    }
  },

  reluForward(y, mask, x, len) {
    for (let i = 0; i < len; i++) {
      // the book zeroes where x <= 0: a NaN goes through (and on into the loss, where it shows)
      const positive = !(x[i] <= 0);
      mask[i] = positive ? 1 : 0;
      y[i] = positive ? x[i] : 0;
    }
  },

  reluBackward(dx, dout, mask, len) {
    // NOTE: at exactly x = 0 the gradient is taken as 0 (the book's mask is x <= 0).
    for (let i = 0; i < len; i++) dx[i] = mask[i] === 1 ? dout[i] : 0;
  },

  sigmoidForward(y, x, len) {
    for (let i = 0; i < len; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  },

  sigmoidBackward(dx, dout, y, len) {
    for (let i = 0; i < len; i++) dx[i] = dout[i] * y[i] * (1 - y[i]);
  },

  softmaxCrossEntropy(y, a, labels, N, C) {
    let loss = 0;
    for (let i = 0; i < N; i++) {
      const r = i * C;
      // NOTE: subtracting the row max leaves softmax unchanged and keeps exp() from overflowing.
      let max = -Infinity;
      for (let j = 0; j < C; j++) if (a[r + j] > max) max = a[r + j];
      let sum = 0;
      for (let j = 0; j < C; j++) {
        const e = Math.exp(a[r + j] - max);
        y[r + j] = e;
        sum += e;
      }
      for (let j = 0; j < C; j++) y[r + j] /= sum;
      // NOTE: -log y_t = log(sum) - (a_t - max). The book writes -log(y_t + 1e-7) to dodge
      // log(0); log-softmax never takes log(0), and keeps y - t the exact gradient.
      if (labels !== null) loss += Math.log(sum) - (a[r + labels[i]] - max);
    }
    return loss;
  },

  softmaxGradLabels(dx, y, labels, scale, N, C) {
    for (let i = 0; i < N; i++) {
      const r = i * C;
      for (let j = 0; j < C; j++) dx[r + j] = y[r + j] * scale;
      dx[r + labels[i]] -= scale;
    }
  },

  countCorrect(scores, labels, N, C) {
    let correct = 0;
    for (let i = 0; i < N; i++) {
      if (argmax(scores, i * C, C) === labels[i]) correct++;
    }
    return correct;
  },

  sgdStep(p, g, lr, len) {
    for (let i = 0; i < len; i++) p[i] -= lr * g[i];
  },
};

/** Index of the largest of a[offset .. offset + n); the first one on ties (like NumPy). */
export function argmax(a: FloatArray, offset: number, n: number): number {
  let best = 0;
  let bestValue = a[offset];
  for (let j = 1; j < n; j++) {
    if (a[offset + j] > bestValue) {
      bestValue = a[offset + j];
      best = j;
    }
  }
  return best;
}
