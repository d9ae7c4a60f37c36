/**
 * The book's random hyperparameter search (section 6.5.3, ch06/hyperparameter_optimization.py):
 * every trial draws its weight decay lambda = 10^U(log10 low, log10 high) and then its
 * learning rate the same way (log-uniform; the book's ranges 1e-8..1e-4 and 1e-6..1e-2),
 * trains 784-[100 x 6]-10 with SGD on the training share and is scored by its last validation
 * accuracy. The draws come from one generator seeded by the search's seed, so the same seed
 * gives the same trials; every trial trains with that seed too (the same initial weights and
 * batches: trials differ only in their hyperparameters).
 */
import { Random } from '../data/random.js';
import type { TrainConfig } from '../train/trainer.js';
import type { RunOutcome, RunSpec } from './experiment.js';

/** The ranges the values are drawn from (values, not exponents). */
export interface SearchSpace {
  lr: readonly [number, number];
  weightDecay: readonly [number, number];
}

/** The book's ranges: lr 10^-6 .. 10^-2, weight decay 10^-8 .. 10^-4. */
export const BOOK_SPACE: SearchSpace = { lr: [1e-6, 1e-2], weightDecay: [1e-8, 1e-4] };

/** Mixed into the seed: the draws' stream differs from the weights', the batches' and the validation shuffle's. */
const DRAW_STREAM = 0x3c6e_f372;

export interface Trial {
  /** 0-based, in the order drawn. */
  trial: number;
  lr: number;
  weightDecay: number;
}

/** 10^U(log10 low, log10 high). */
function logUniform(random: Random, [low, high]: readonly [number, number]): number {
  const a = Math.log10(low);
  const b = Math.log10(high);
  return 10 ** (a + (b - a) * random.next());
}

/** The trials' hyperparameters: for each, weight decay first, then lr (the book's order). */
export function drawTrials(count: number, space: SearchSpace, seed: number): Trial[] {
  const random = new Random((seed ^ DRAW_STREAM) >>> 0);
  return Array.from({ length: count }, (_, trial) => {
    const weightDecay = logUniform(random, space.weightDecay);
    const lr = logUniform(random, space.lr);
    return { trial, lr, weightDecay };
  });
}

/** Two significant digits: 0.0094, 2.8e-6 (exponents below 10^-3). */
export function shortNumber(x: number): string {
  return Math.abs(x) >= 1e-3 || x === 0 ? String(Number(x.toPrecision(2))) : x.toExponential(1);
}

/** A trial's label: "lr 0.0094 wd 2.8e-6". */
export function trialLabel(trial: Trial): string {
  return `lr ${shortNumber(trial.lr)} wd ${shortNumber(trial.weightDecay)}`;
}

/** The runs of the trials: `base` (the net, batch, iterations, seed) with each trial's lr and weight decay, SGD. */
export function trialRuns(trials: readonly Trial[], base: Omit<TrainConfig, 'lr' | 'weightDecayLambda' | 'optimizer'>): RunSpec[] {
  return trials.map((t) => ({ label: trialLabel(t), config: { ...base, optimizer: 'sgd', lr: t.lr, weightDecayLambda: t.weightDecay } }));
}

export interface TrialResult extends Trial {
  valAcc: number;
  trainAcc: number;
  status: RunOutcome['status'];
  outcome: RunOutcome;
}

/**
 * The trials that ran, best validation accuracy first (equal scores: in the order drawn); NaN
 * scores last, and trials a stop cut short after all those that finished.
 */
export function rankTrials(trials: readonly Trial[], outcomes: readonly (RunOutcome | null)[]): TrialResult[] {
  const results: TrialResult[] = [];
  trials.forEach((t, i) => {
    const outcome = outcomes[i];
    if (outcome === null || outcome === undefined) return;
    results.push({ ...t, valAcc: outcome.valAcc ?? NaN, trainAcc: outcome.trainAcc, status: outcome.status, outcome });
  });
  const score = (r: TrialResult): number => (Number.isFinite(r.valAcc) ? r.valAcc : -Infinity);
  const cut = (r: TrialResult): number => (r.status === 'interrupted' ? 1 : 0);
  return results.sort((a, b) => cut(a) - cut(b) || score(b) - score(a) || a.trial - b.trial);
}
