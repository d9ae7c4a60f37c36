/**
 * SoftmaxWithLoss of one image (book 5.6.3), in float64 arithmetic on float32 storage, step
 * for step as kernels/js.ts's softmaxCrossEntropy and softmaxGradLabels:
 *   y = softmax(a)        (NOTE: the row max is subtracted before exp: no overflow)
 *   loss = -log y_t = log sum exp(a - max) - (a_t - max)   (log-softmax: never log(0); the
 *          book's -log(y_t + 1e-7) is the project's deliberate exception)
 *   dL/da = (y - onehot(t)) / N   (NOTE: the / N of the per-example mean)
 * and the argmax that counts a correct answer.
 */

/** One row of softmax into y (a and y may be the same row); returns log(sum exp(a - max)) + max, so that loss = it - a_t. */
export function softmaxRow(y: usize, a: usize, C: i32): f64 {
  let max: f64 = -Infinity;
  for (let j = 0; j < C; j++) max = Math.max(max, <f64>load<f32>(a + (<usize>j << 2)));
  let sum: f64 = 0;
  for (let j = 0; j < C; j++) {
    const e = Math.exp(<f64>load<f32>(a + (<usize>j << 2)) - max);
    store<f32>(y + (<usize>j << 2), <f32>e);
    sum += e;
  }
  for (let j = 0; j < C; j++) store<f32>(y + (<usize>j << 2), <f32>(<f64>load<f32>(y + (<usize>j << 2)) / sum));
  return Math.log(sum) + max;
}

/**
 * Scores s (C floats, Cp - C padding) of an image with label t, in place: softmax, then
 * dL/dscores (the padding zeroed); returns the image's loss.
 */
export function softmaxLossRow(s: usize, C: i32, Cp: i32, t: i32, scale: f64): f64 {
  const scoreOfLabel = <f64>load<f32>(s + (<usize>t << 2));
  const loss = softmaxRow(s, s, C) - scoreOfLabel;
  for (let c = 0; c < C; c++) store<f32>(s + (<usize>c << 2), <f32>(<f64>load<f32>(s + (<usize>c << 2)) * scale));
  store<f32>(s + (<usize>t << 2), <f32>(<f64>load<f32>(s + (<usize>t << 2)) - scale));
  for (let c = C; c < Cp; c++) store<f32>(s + (<usize>c << 2), 0);
  return loss;
}

/** The index of the largest of row[0 .. C), the first on ties (like NumPy). */
export function argmax(row: usize, C: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(row);
  for (let j = 1; j < C; j++) {
    const v = load<f32>(row + (<usize>j << 2));
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}
