/**
 * The summary of a run: the result, the accuracy/loss gates and the timings in one object.
 * Its fields are the --json `summary` event and the --metrics file (a public contract).
 * Timing and memory fields: wallMs, trainMs, evalMs, loadMs, examplesPerSec, peakRssMb.
 */
import type { BaselineComparison } from './baseline.js';
import type { TrainResult } from './trainer.js';
import { checkOptionKeys, keysOf } from '../data/option-keys.js';

export interface Gate {
  option: '--min-test-acc' | '--min-train-acc' | '--min-val-acc' | '--max-loss';
  bar: number;
  value: number;
  passed: boolean;
}

export interface GateBars {
  minTestAcc?: number;
  minTrainAcc?: number;
  /** On the validation split (--validation). */
  minValAcc?: number;
  maxLoss?: number;
}

/** Every key of GateBars, for checkOptionKeys. */
const GATE_KEYS = keysOf<GateBars>()(['minTestAcc', 'minTrainAcc', 'minValAcc', 'maxLoss']);

export interface Summary {
  event: 'summary';
  iterations: number;
  /** The epoch the run ended in (ceil(iterations / iterations per epoch) at its last measurement). */
  epochs: number;
  trainAcc: number;
  testAcc: number;
  /** The last validation accuracy, only in a run with a validation split (--validation). */
  valAcc?: number;
  bestTestAcc: number;
  bestEpoch: number;
  loss: number;
  /** 'write-failed': an output file (--save, --plot, --metrics) could not be written (exit 5), whatever else happened. */
  status: 'ok' | 'gate-failed' | 'diverged' | 'interrupted' | 'write-failed';
  diverged: boolean;
  interrupted: boolean;
  gates: Gate[];
  backend: string;
  /** The network and the optimizer, as the start event names them: "784-100-100-10 relu he, adam lr 0.001 beta1 0.9 beta2 0.999". */
  network: string;
  /** Threads that measured accuracy (--threads); no other number depends on it. */
  threads: number;
  wallMs: number;
  trainMs: number;
  evalMs: number;
  loadMs: number;
  examplesPerSec: number;
  peakRssMb: number;
  /** With --baseline: each figure against the baseline's, and the relative gates (baseline.ts). */
  baseline?: BaselineComparison;
}

/**
 * The gates set in `bars`: a NaN value (nothing measured) never passes one.
 * @throws TypeError for a bar it does not know (a misspelt one would switch its gate off).
 */
export function checkGates(result: TrainResult, bars: GateBars): Gate[] {
  checkOptionKeys('checkGates: bars', bars, GATE_KEYS);
  const gates: Gate[] = [];
  if (bars.minTestAcc !== undefined) {
    gates.push({ option: '--min-test-acc', bar: bars.minTestAcc, value: result.testAcc, passed: result.testAcc >= bars.minTestAcc });
  }
  if (bars.minTrainAcc !== undefined) {
    gates.push({ option: '--min-train-acc', bar: bars.minTrainAcc, value: result.trainAcc, passed: result.trainAcc >= bars.minTrainAcc });
  }
  if (bars.minValAcc !== undefined) {
    const value = result.valAcc ?? NaN;
    gates.push({ option: '--min-val-acc', bar: bars.minValAcc, value, passed: value >= bars.minValAcc });
  }
  if (bars.maxLoss !== undefined) {
    gates.push({ option: '--max-loss', bar: bars.maxLoss, value: result.finalLoss, passed: result.finalLoss <= bars.maxLoss });
  }
  return gates;
}

export function makeSummary(
  result: TrainResult,
  gates: Gate[],
  info: { batchSize: number; backend: string; network: string; threads: number; loadMs: number; startIteration: number },
): Summary {
  const trainedExamples = (result.iterations - info.startIteration) * info.batchSize;
  const status = result.diverged
    ? 'diverged'
    : result.interrupted
      ? 'interrupted'
      : gates.every((g) => g.passed)
        ? 'ok'
        : 'gate-failed';
  return {
    event: 'summary',
    iterations: result.iterations,
    // The epoch the run ended in (as its last epoch line says), not the number of measurements,
    // which --eval-every changes for the same training.
    epochs: result.history.at(-1)?.epoch ?? 0,
    trainAcc: result.trainAcc,
    testAcc: result.testAcc,
    ...(result.valAcc === undefined ? {} : { valAcc: result.valAcc }),
    bestTestAcc: result.bestTestAcc,
    bestEpoch: result.bestEpoch,
    loss: result.finalLoss,
    status,
    diverged: result.diverged !== null,
    interrupted: result.interrupted,
    gates,
    backend: info.backend,
    network: info.network,
    threads: info.threads,
    wallMs: Math.round(performance.now()),
    trainMs: Math.round(result.trainMs),
    evalMs: Math.round(result.evalMs),
    loadMs: Math.round(info.loadMs),
    examplesPerSec: result.trainMs > 0 ? Math.round(trainedExamples / (result.trainMs / 1000)) : 0,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
