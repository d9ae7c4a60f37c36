/**
 * A worker thread of run-pool.ts: trains the runs it is sent, one at a time, each at one
 * thread (the trainer's threads: 1, so its engine takes no helpers and counts in line), on the
 * dataset it was started with (shared memory when the loader left it there). For each run it
 * posts the trainer's progress events (every 100 ms of training) and the outcome at the end;
 * 'stop' ends the current run after its current iteration (reported as interrupted); 'close'
 * lets the thread end once idle.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend, type BackendName } from '../kernels/backend.js';
import { WasmMemoryLimit } from '../engine/program-memory.js';
import type { Dataset } from '../data/dataset.js';
import type { EpochEvent } from '../train/events.js';
import { initialState, itersPerEpoch, train } from '../train/trainer.js';
import { MAX_LOSSES, type RunOutcome, type RunSpec } from './experiment.js';

/** What the worker is started with. */
export interface RunWorkerInit {
  backend: BackendName;
  dataset: Dataset;
}

/** From the pool. */
export type RunRequest = { type: 'run'; index: number; spec: RunSpec } | { type: 'stop' } | { type: 'close' };

/** To the pool. */
export type RunReply =
  | { type: 'progress'; index: number; iteration: number; iterations: number; loss: number }
  | { type: 'done'; outcome: RunOutcome };

const init = workerData as RunWorkerInit;
const port = parentPort;
if (port === null) throw new Error('run-worker.js runs as a worker thread only');
setBackend(init.backend);

/** The stop flag of the run under way (null when idle). */
let running: { requested: boolean } | null = null;
let closing = false;
const queue: { index: number; spec: RunSpec }[] = [];

port.on('message', (request: RunRequest) => {
  if (request.type === 'stop') {
    queue.length = 0;
    if (running !== null) running.requested = true;
  } else if (request.type === 'close') {
    closing = true;
    if (running === null) port.close();
  } else {
    queue.push(request);
    if (running === null) void next();
  }
});

async function next(): Promise<void> {
  const job = queue.shift();
  if (job === undefined) {
    if (closing) port!.close();
    return;
  }
  running = { requested: false };
  const outcome = await runOne(job.index, job.spec, running);
  running = null;
  port!.postMessage({ type: 'done', outcome } satisfies RunReply, [outcome.losses.buffer as ArrayBuffer]);
  void next();
}

async function runOne(index: number, spec: RunSpec, stop: { requested: boolean }): Promise<RunOutcome> {
  const { dataset } = init;
  const { config } = spec;
  // The curve: every step's loss, or block means of `stride` steps; the last epoch's losses in a ring.
  const stride = Math.max(1, Math.ceil(config.iterations / MAX_LOSSES));
  const losses = new Float64Array(Math.ceil(config.iterations / stride));
  const epoch = Math.max(1, Math.min(config.iterations, itersPerEpoch(dataset.train.count, config.batchSize)));
  const recent = new Float64Array(epoch);
  const history: EpochEvent[] = [];
  const outcome: RunOutcome = {
    index,
    label: spec.label,
    status: 'ok',
    iterations: 0,
    losses,
    lossStride: stride,
    history,
    trainAcc: NaN,
    testAcc: NaN,
    loss: NaN,
    trainMs: 0,
    evalMs: 0,
  };
  try {
    const state = initialState(config, dataset.train.rows * dataset.train.cols);
    const result = await train(
      dataset,
      config,
      state,
      {
        emit: (event) => {
          if (event.event === 'epoch') history.push(event);
          else if (event.event === 'progress') {
            port!.postMessage({ type: 'progress', index, iteration: event.iteration, iterations: event.iterations, loss: event.loss } satisfies RunReply);
          }
        },
        stop,
        onStep: (iteration, loss) => {
          losses[Math.floor((iteration - 1) / stride)] += loss / stride;
          recent[(iteration - 1) % epoch] = loss;
        },
      },
      { threads: 1 },
    );
    const done = result.iterations;
    const last = Math.min(done, epoch);
    let sum = 0;
    for (let i = done - last; i < done; i++) sum += recent[i % epoch];
    // A last block cut short by a stop holds the mean of fewer steps.
    const blocks = Math.ceil(done / stride);
    if (done % stride !== 0) losses[blocks - 1] *= stride / (done % stride);
    Object.assign(outcome, {
      status: result.diverged !== null ? 'diverged' : result.interrupted ? 'interrupted' : 'ok',
      iterations: done,
      losses: losses.slice(0, blocks),
      trainAcc: result.trainAcc,
      testAcc: result.testAcc,
      loss: result.diverged !== null ? result.diverged.loss : last > 0 ? sum / last : NaN,
      trainMs: result.trainMs,
      evalMs: result.evalMs,
    });
    if (result.valAcc !== undefined) outcome.valAcc = result.valAcc;
  } catch (e) {
    outcome.status = 'failed';
    outcome.error = e instanceof Error ? e.message : String(e);
    if (e instanceof WasmMemoryLimit) outcome.tooBig = true;
    outcome.losses = new Float64Array(0);
  }
  return outcome;
}
