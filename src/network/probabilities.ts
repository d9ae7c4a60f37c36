/**
 * Class probabilities from a network's scores (one row of `predict`): the softmax of the book's
 * section 3.5, y_k = exp(a_k - max) / sum_j exp(a_j - max), in float64. `bp-train predict` and
 * the page's digit pad (src/page) both show these.
 */

/** NOTE: the row max is subtracted before exp, so large scores do not overflow. */
export function probabilities(scores: ArrayLike<number>): number[] {
  const a = Array.from(scores);
  const max = Math.max(...a);
  const e = a.map((v) => Math.exp(v - max));
  const sum = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / sum);
}
