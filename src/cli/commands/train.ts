/**
 * `bp-train` / `bp-train train`: load the data, train, report, check the gates.
 * Returns the exit code; throws typed errors (errors.ts) for bad usage and bad data.
 */
import { Command } from 'commander';
import { loadDataset } from '../../data/sources.js';
import { kernels } from '../../kernels/backend.js';
import { DIVERGED_LOSS, initialState, itersPerEpoch, train, type TrainConfig } from '../../train/trainer.js';
import { checkGates, makeSummary } from '../../train/summary.js';
import { unwritableReason, writeFileAtomic } from '../../report/atomic-write.js';
import type { Reporter } from '../../report/reporter.js';
import { EXIT, UsageError } from '../errors.js';
import { addOptions, trainOptions } from '../options.js';
import { configureCommand, makeReporter } from '../setup.js';

export interface TrainCliOptions {
  hidden: number;
  lr: number;
  batchSize: number;
  iters: number;
  epochs?: number;
  weightInitStd: number;
  seed: number;
  data: string;
  trainLimit?: number;
  testLimit?: number;
  minTestAcc?: number;
  minTrainAcc?: number;
  maxLoss?: number;
  metrics?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

export function makeTrainCommand(run: (code: Promise<number>) => void): Command {
  const command = new Command('train').description('train a TwoLayerNet on MNIST (the default command)');
  addOptions(command, trainOptions);
  configureCommand(command);
  command.action((opts: TrainCliOptions) => run(trainCommand(opts)));
  return command;
}

export async function trainCommand(opts: TrainCliOptions): Promise<number> {
  if (opts.metrics !== undefined) {
    const reason = unwritableReason(opts.metrics);
    if (reason) throw new UsageError(`--metrics '${opts.metrics}': ${reason}`);
  }
  const reporter = makeReporter(opts);
  const loadStart = performance.now();
  const dataset = loadDataset(opts.data, { trainLimit: opts.trainLimit, testLimit: opts.testLimit });
  const loadMs = performance.now() - loadStart;
  if (opts.batchSize > dataset.train.count) {
    throw new UsageError(
      `--batch-size ${opts.batchSize} is larger than the ${dataset.train.count} training examples (allowed: 1 to ${dataset.train.count})`,
    );
  }
  const perEpoch = itersPerEpoch(dataset.train.count, opts.batchSize);
  const config: TrainConfig = {
    hidden: opts.hidden,
    lr: opts.lr,
    batchSize: opts.batchSize,
    iterations: opts.epochs !== undefined ? opts.epochs * perEpoch : opts.iters,
    weightInitStd: opts.weightInitStd,
    seed: opts.seed,
  };
  const state = initialState(config, dataset.train.rows * dataset.train.cols);
  const stop = { requested: false };
  const onSigint = (): void => {
    if (stop.requested) process.exit(EXIT.interrupted); // a second Ctrl-C: at once
    stop.requested = true;
    reporter.note('interrupt: finishing the current iteration (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await train(dataset, config, state, { emit: (e) => reporter.event(e), stop });
    const gates = result.diverged || result.interrupted ? [] : checkGates(result, opts);
    const summary = makeSummary(result, gates, { batchSize: config.batchSize, backend: kernels().name, loadMs, startIteration: 0 });
    if (opts.metrics !== undefined) writeFileAtomic(opts.metrics, `${JSON.stringify(summary, null, 2)}\n`);
    reporter.summary(summary);
    return finish(reporter, summary.status, result.diverged, result.iterations, gates);
  } finally {
    process.off('SIGINT', onSigint);
    reporter.close();
  }
}

function finish(
  reporter: Reporter,
  status: string,
  diverged: { iteration: number; loss: number } | null,
  iteration: number,
  gates: ReturnType<typeof checkGates>,
): number {
  if (diverged) {
    reporter.note(
      `bp-train: training diverged at iteration ${diverged.iteration}: loss is ${diverged.loss.toPrecision(4)}, ` +
        `effectively infinite (above ${DIVERGED_LOSS.toFixed(1)}, where float32 probabilities underflow to 0); try a lower --lr`,
    );
    return EXIT.diverged;
  }
  if (status === 'interrupted') {
    reporter.note(`bp-train: interrupted at iteration ${iteration}`);
    return EXIT.interrupted;
  }
  const failed = gates.filter((g) => !g.passed);
  for (const g of failed) {
    reporter.note(`bp-train: gate failed: ${g.option} ${g.bar}: final value ${g.value} is ${g.option === '--max-loss' ? 'above' : 'below'} the bar`);
  }
  return failed.length > 0 ? EXIT.gateFailed : EXIT.ok;
}
