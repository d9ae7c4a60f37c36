/**
 * A library caller's misspelt option (`hiddenSizeLst`, `useBatchNorm`) would otherwise be
 * ignored and its default used without a word: TypeScript refuses such a key, JavaScript does
 * not. Constructors and train() therefore check the keys of their option objects.
 */

/**
 * Every key of T, listed once for checkOptionKeys: `keysOf<T>()(['a', 'b'])` does not compile
 * when the list leaves out a key of T or names one that T does not have.
 */
export function keysOf<T>(): <const K extends readonly (keyof T & string)[]>(keys: K & (Exclude<keyof T, K[number]> extends never ? unknown : 'a key of T is missing')) => K {
  return (keys) => keys;
}

/**
 * @throws TypeError naming the first unknown key, the known key it is nearest to (differing in
 * case and underscores, then by up to two letters), and every known key.
 */
export function checkOptionKeys(who: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    // The book's snake_case (weight_init_std) is this API's camelCase (weightInitStd).
    const loose = key.replace(/_/g, '').toLowerCase();
    const near = known.find((k) => k.toLowerCase() === loose) ?? known.find((k) => editDistance(k.toLowerCase(), loose) <= 2);
    throw new TypeError(`${who}: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; the options are ${known.join(', ')}`);
  }
}

/** Levenshtein distance: the fewest insertions, deletions and substitutions turning a into b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}
