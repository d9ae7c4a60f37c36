/**
 * Small deterministic datasets for trainer tests, built in memory (no files). Each class is a
 * bright Gaussian blob at its own place on a 28 x 28 grid, jittered by a pixel or two, over
 * sparse seeded noise: easy enough that a tiny net learns it in a few hundred iterations, hard
 * enough that an untrained one scores about chance.
 */
import type { Dataset, Split } from '../../src/data/dataset.js';
import { Random } from '../../src/data/random.js';

export const SIDE = 28;

/** Blob centres (row, col) of classes 0..9: a 3 x 4 grid, first ten places. */
const CENTRES: [number, number][] = [
  [5, 4], [5, 10], [5, 17], [5, 23],
  [14, 4], [14, 10], [14, 17], [14, 23],
  [23, 4], [23, 10],
];

/** `count` blob images with labels drawn uniformly from 0..9, all from `seed`. */
export function blobSplit(count: number, seed: number): Split {
  const random = new Random(seed);
  const pixels = SIDE * SIDE;
  const images = new Uint8Array(count * pixels);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = random.nextInt(10);
    labels[n] = label;
    const cr = CENTRES[label][0] + random.nextInt(3) - 1;
    const cc = CENTRES[label][1] + random.nextInt(3) - 1;
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        const d2 = (r - cr) ** 2 + (c - cc) ** 2;
        const blob = 255 * Math.exp(-d2 / 8);
        const noise = random.next() < 0.2 ? 120 * random.next() : 0;
        images[n * pixels + r * SIDE + c] = Math.min(255, Math.round(blob + noise));
      }
    }
  }
  return { images, labels, count, rows: SIDE, cols: SIDE };
}

/** 2,000 training and 500 test blob images (different seeds, so the test split is unseen). */
export function blobDataset(trainCount = 2000, testCount = 500): Dataset {
  return { source: 'synthetic-blobs', train: blobSplit(trainCount, 1), test: blobSplit(testCount, 2) };
}

/** `count` images of seeded random bytes, about `zeroShare` of the pixels 0 (MNIST has ~81%). */
export function noiseSplit(count: number, seed: number, zeroShare = 0.75): Split {
  const random = new Random(seed);
  const images = new Uint8Array(count * SIDE * SIDE);
  for (let i = 0; i < images.length; i++) images[i] = random.next() < zeroShare ? 0 : 1 + random.nextInt(255);
  const labels = Uint8Array.from({ length: count }, () => random.nextInt(10));
  return { images, labels, count, rows: SIDE, cols: SIDE };
}
