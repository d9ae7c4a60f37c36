/**
 * The book's smooth_curve (common/util.py), for the loss curves of its figures 6-9 and 6-15:
 * a moving weighted average under a Kaiser window of 11 points with beta 2, normalised to sum
 * 1. The series is extended at both ends by mirror images before averaging (at the start
 * x[10], ..., x[1]; at the end x[n-1], ..., x[n-10], the last point included, as the book's
 * slices do), so the output has one value per input value, each centred on its own.
 *
 * Kaiser window: w[k] = I0(beta sqrt(1 - (2k / (M - 1) - 1)^2)) / I0(beta), k = 0 .. M - 1,
 * with I0 the modified Bessel function of the first kind, of order 0.
 */

/** The window length of the book's smooth_curve. */
export const SMOOTH_WINDOW = 11;
/** The Kaiser window's beta in the book's smooth_curve. */
export const SMOOTH_BETA = 2;

/** I0(x) by its power series sum_k ((x / 2)^k / k!)^2, summed until the terms stop mattering. */
export function besselI0(x: number): number {
  const half = x / 2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < 500; k++) {
    term *= half / k;
    const add = term * term;
    sum += add;
    if (add < sum * 1e-17) break;
  }
  return sum;
}

/** numpy.kaiser(length, beta). */
export function kaiserWindow(length: number, beta: number): Float64Array {
  const w = new Float64Array(length);
  if (length === 1) {
    w[0] = 1;
    return w;
  }
  const norm = besselI0(beta);
  for (let k = 0; k < length; k++) {
    const r = (2 * k) / (length - 1) - 1;
    w[k] = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / norm;
  }
  return w;
}

const WEIGHTS = ((): Float64Array => {
  const w = kaiserWindow(SMOOTH_WINDOW, SMOOTH_BETA);
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
})();

/**
 * The book's smooth_curve of a series: as many values as it has. A series shorter than the
 * window (whose mirror images would not exist) is returned unsmoothed.
 */
export function smoothCurve(values: ArrayLike<number>): number[] {
  const n = values.length;
  const half = (SMOOTH_WINDOW - 1) / 2;
  if (n < SMOOTH_WINDOW) return Array.from(values);
  // The padded series s: x[10..1], x[0..n-1], x[n-1..n-10]; out[i] = sum_j w[j] s[i + half + j].
  const pad = SMOOTH_WINDOW - 1;
  const at = (m: number): number => {
    if (m < pad) return values[pad - m]; // s[0] = x[10], ..., s[9] = x[1]
    if (m < pad + n) return values[m - pad];
    return values[n - 1 - (m - pad - n)]; // s[n + 10] = x[n - 1], ...
  };
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < SMOOTH_WINDOW; j++) sum += WEIGHTS[j] * at(i + half + j);
    out[i] = sum;
  }
  return out;
}
