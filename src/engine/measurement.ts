/** A Measurement (engine.ts) over a promise of accuracies: `settled` follows the promise. */
import type { Accuracies, Measurement } from './engine.js';

export function measurementOf(accuracies: Promise<Accuracies>, alongside: boolean, hurry: () => void = () => {}): Measurement {
  const measurement = { alongside, accuracies, settled: false, hurry };
  const settle = (): void => {
    measurement.settled = true;
  };
  accuracies.then(settle, settle); // a rejection reaches whoever awaits `accuracies`
  return measurement;
}
