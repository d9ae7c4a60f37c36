/**
 * The book's chapter-6 experiments as ready-made comparisons (`bp-train compare --preset NAME`),
 * each with the book's protocol (ch06/*.py; MNIST pixels / 255, batches drawn with replacement):
 *
 *   optimizers    784-[100 x 4]-10, ReLU, He; SGD, Momentum, AdaGrad, Adam at the book's
 *                 defaults (lr 0.01, 0.01, 0.01, 0.001); batch 128; 2,000 iterations; the
 *                 smoothed loss per iteration (y 0..1). Figure 6-9.
 *   init          the same net and loop with std 0.01, Xavier and He; SGD lr 0.01; the smoothed
 *                 loss (y 0..2.5). Figure 6-15.
 *   batchnorm     the first 1,000 training images; 784-[100 x 5]-10 with and without batch norm
 *                 for each of the 16 plain weight scales logspace(0, -4, 16); SGD lr 0.01; batch
 *                 100; 20 epochs of 10 steps; train accuracy after every epoch. Figure 6-19.
 *   weight-decay  the first 300 training images; 784-[100 x 6]-10, He; lambda 0 and 0.1; SGD lr
 *                 0.01; batch 100; 201 epochs of 3 steps; train and test accuracy. Figures 6-20/21.
 *   dropout       the same data and net without and with dropout 0.2; 301 epochs. Figure 6-23.
 *
 * Every run of an experiment uses the same seed: the same batches for all (as the book's
 * optimizer comparison does), and the same normal draws under each initial scale.
 */
import type { TrainConfig } from '../train/trainer.js';
import type { DataProtocol, RunSpec } from './experiment.js';

export const PRESET_NAMES = ['optimizers', 'init', 'batchnorm', 'weight-decay', 'dropout'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** The chart an experiment draws (report/compare-chart.ts). */
export type ChartKind =
  /** The smoothed loss per iteration of every run, y from 0 to yMax (figures 6-9, 6-15). */
  | { kind: 'loss'; yMax: number }
  /** Small multiples of train accuracy per epoch, one per weight scale, with and without batch norm (figure 6-19). */
  | { kind: 'batchnorm-grid' }
  /** One panel per run: train and test accuracy per epoch, y 0..1 (figures 6-20, 6-21, 6-23). */
  | { kind: 'overfit' }
  /** Any comparison: the smoothed loss per iteration above, the accuracies per measurement below. */
  | { kind: 'curves' };

export interface ExperimentPlan {
  /** The preset's name, or 'compare' for one built from options. */
  name: string;
  title: string;
  data: DataProtocol;
  runs: RunSpec[];
  chart: ChartKind;
}

/** numpy.logspace(0, -4, 16): the book's 16 weight scales, 1 down to 0.0001. */
export function bookWeightScales(): number[] {
  return Array.from({ length: 16 }, (_, i) => 10 ** ((-4 * i) / 15));
}

/** A weight scale as the figure titles show it: 2 significant digits (0.29, 0.0072). */
export function scaleText(std: number): string {
  return String(Number(std.toPrecision(2)));
}

const DEEP4 = [100, 100, 100, 100];
const DEEP5 = [100, 100, 100, 100, 100];
const DEEP6 = [100, 100, 100, 100, 100, 100];

/** The loop the optimizer and init comparisons share: full MNIST, batch 128, 2,000 iterations, measured once at the end. */
function lossRun(label: string, net: Partial<TrainConfig>, seed: number): RunSpec {
  return {
    label,
    config: { hidden: DEEP4, activation: 'relu', weightInitStd: 'he', optimizer: 'sgd', lr: 0.01, batchSize: 128, iterations: 2000, seed, measureEvery: 0, ...net },
  };
}

/** The overfitting setup: 300 images, 784-[100 x 6]-10, He, SGD lr 0.01, batch 100 (3 steps an epoch), measured every epoch. */
function overfitRun(label: string, epochs: number, net: Partial<TrainConfig>, seed: number): RunSpec {
  return {
    label,
    config: { hidden: DEEP6, activation: 'relu', weightInitStd: 'he', optimizer: 'sgd', lr: 0.01, batchSize: 100, iterations: epochs * 3, seed, measureEvery: 3, ...net },
  };
}

export function presetPlan(name: PresetName, seed: number): ExperimentPlan {
  switch (name) {
    case 'optimizers':
      return {
        name,
        title: 'optimizers on MNIST: 784-100x4-10, ReLU, He, batch 128 (book figure 6-9)',
        data: {},
        runs: [
          lossRun('SGD', { optimizer: 'sgd', lr: 0.01 }, seed),
          lossRun('Momentum', { optimizer: 'momentum', lr: 0.01 }, seed),
          lossRun('AdaGrad', { optimizer: 'adagrad', lr: 0.01 }, seed),
          lossRun('Adam', { optimizer: 'adam', lr: 0.001 }, seed),
        ],
        chart: { kind: 'loss', yMax: 1 },
      };
    case 'init':
      return {
        name,
        title: 'weight initialisation on MNIST: 784-100x4-10, ReLU, SGD lr 0.01, batch 128 (book figure 6-15)',
        data: {},
        runs: [lossRun('std=0.01', { weightInitStd: 0.01 }, seed), lossRun('Xavier', { weightInitStd: 'xavier' }, seed), lossRun('He', { weightInitStd: 'he' }, seed)],
        chart: { kind: 'loss', yMax: 2.5 },
      };
    case 'batchnorm':
      return {
        name,
        title: 'batch normalisation: train accuracy on 1,000 images, 784-100x5-10, SGD lr 0.01, per initial weight scale (book figure 6-19)',
        data: { trainLimit: 1000, test: false },
        runs: bookWeightScales().flatMap((std): RunSpec[] => {
          // The large scales without batch norm start with losses in the thousands: the book trains
          // on (its loss is capped at 16.1 by the 1e-7 in its log), so these do too (maxLoss).
          const base = { hidden: DEEP5, activation: 'relu', weightInitStd: std, optimizer: 'sgd', lr: 0.01, batchSize: 100, iterations: 200, seed, measureEvery: 10, maxLoss: Number.MAX_VALUE } as const;
          return [
            { label: `W:${scaleText(std)} batch norm`, config: { ...base, useBatchnorm: true }, panel: `W:${scaleText(std)}`, series: 'batch norm' },
            { label: `W:${scaleText(std)} no batch norm`, config: { ...base }, panel: `W:${scaleText(std)}`, series: 'no batch norm' },
          ];
        }),
        chart: { kind: 'batchnorm-grid' },
      };
    case 'weight-decay':
      return {
        name,
        title: 'overfitting and weight decay: 300 training images, 784-100x6-10, SGD lr 0.01 (book figures 6-20, 6-21)',
        data: { trainLimit: 300 },
        runs: [overfitRun('no weight decay', 201, {}, seed), overfitRun('weight decay 0.1', 201, { weightDecayLambda: 0.1 }, seed)],
        chart: { kind: 'overfit' },
      };
    case 'dropout':
      return {
        name,
        title: 'overfitting and dropout: 300 training images, 784-100x6-10, SGD lr 0.01 (book figure 6-23)',
        data: { trainLimit: 300 },
        runs: [overfitRun('no dropout', 301, {}, seed), overfitRun('dropout 0.2', 301, { useDropout: true, dropoutRatio: 0.2 }, seed)],
        chart: { kind: 'overfit' },
      };
  }
}
