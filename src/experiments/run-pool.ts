/**
 * Many training runs on all cores: `workers` worker threads (run-worker.ts), each training one
 * run at a time at one thread, the runs handed out in their order as workers come free. Every
 * run computes from its own configuration and seed alone, so its numbers do not depend on how
 * many workers there are or which one ran it; the outcomes come back in the runs' order.
 *
 * Stopping (`stop.requested`, set by a signal handler): no further run starts, the runs under
 * way stop after their current iteration and come back as 'interrupted'; the runs that never
 * started have no outcome (null).
 */
import { Worker } from 'node:worker_threads';
import type { Dataset } from '../data/dataset.js';
import type { BackendName } from '../kernels/backend.js';
import type { RunOutcome, RunSpec } from './experiment.js';
import type { RunReply, RunRequest, RunWorkerInit } from './run-worker.js';

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/experiments/run-worker.js', import.meta.url)
  : new URL('./run-worker.js', import.meta.url);

/** How often the stop flag is looked at while runs are under way. */
const STOP_POLL_MS = 25;

export interface PoolEvents {
  /** A run was handed to a worker. */
  start?(index: number, spec: RunSpec): void;
  /** About every 100 ms of a run's training. */
  progress?(index: number, iteration: number, iterations: number, loss: number): void;
  /** A run ended (in the order runs end, not their order). */
  done?(outcome: RunOutcome): void;
}

export interface PoolOptions {
  /** Worker threads (at most one per run). */
  workers: number;
  backend: BackendName;
  stop?: { requested: boolean };
  events?: PoolEvents;
}

/** Trains every run; outcomes in the runs' order (null for a run that never started because of a stop). */
export async function runAll(dataset: Dataset, specs: readonly RunSpec[], options: PoolOptions): Promise<(RunOutcome | null)[]> {
  const { events = {}, stop = { requested: false } } = options;
  const outcomes: (RunOutcome | null)[] = specs.map(() => null);
  if (specs.length === 0) return outcomes;
  const count = Math.max(1, Math.min(options.workers, specs.length));
  const init: RunWorkerInit = { backend: options.backend, dataset };
  const workers = Array.from({ length: count }, () => new Worker(WORKER_URL, { workerData: init }));
  let nextRun = 0;
  let running = 0;
  let stopped = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        clearInterval(poll);
        reject(e);
      };
      const finishIfDone = (): void => {
        if (running === 0 && (stopped || nextRun >= specs.length)) {
          clearInterval(poll);
          resolve();
        }
      };
      const dispatch = (worker: Worker): void => {
        if (stopped || nextRun >= specs.length) return;
        const index = nextRun++;
        running++;
        events.start?.(index, specs[index]);
        worker.postMessage({ type: 'run', index, spec: specs[index] } satisfies RunRequest);
      };
      const poll = setInterval(() => {
        if (!stop.requested || stopped) return;
        stopped = true;
        for (const worker of workers) worker.postMessage({ type: 'stop' } satisfies RunRequest);
        finishIfDone();
      }, STOP_POLL_MS);
      for (const worker of workers) {
        worker.on('message', (reply: RunReply) => {
          if (reply.type === 'progress') {
            events.progress?.(reply.index, reply.iteration, reply.iterations, reply.loss);
            return;
          }
          running--;
          outcomes[reply.outcome.index] = reply.outcome;
          events.done?.(reply.outcome);
          dispatch(worker);
          finishIfDone();
        });
        worker.on('error', (e) => fail(e));
        worker.on('exit', (code) => fail(new Error(`a training worker exited with code ${code}`)));
      }
      for (const worker of workers) dispatch(worker);
    });
  } finally {
    await Promise.all(workers.map(closeWorker));
  }
  return outcomes;
}

/** Asks an idle worker to leave and waits for it; terminate() only if it has not left after 5 s (see eval-pool.ts). */
async function closeWorker(worker: Worker): Promise<void> {
  worker.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage({ type: 'stop' } satisfies RunRequest);
  worker.postMessage({ type: 'close' } satisfies RunRequest);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 5000);
  });
  if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  clearTimeout(timer);
}
