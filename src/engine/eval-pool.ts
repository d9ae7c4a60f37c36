/**
 * Train and test accuracy (and validation accuracy when the dataset has a validation split)
 * measured by `threads` threads, for any network (its spec goes to the
 * workers once; each measurement sends its parameters and batch norm's running stats). With one
 * thread, this one counts everything. With more, threads - 1 workers (eval-worker.ts) count and
 * this thread is free to train meanwhile (js-engine.ts measures alongside the next epoch): each
 * split is cut into threads - 1 contiguous shares, worker k counting share k. A worker reads its
 * images where they are when they sit in a SharedArrayBuffer (as the IDX reader leaves them),
 * else it gets a copy once, at start. A measurement sends a copy of the weights as they are at
 * the call and adds the integer counts in share order: the sum is exact, so the accuracies are
 * the same for every thread count (and equal to a one-thread count).
 */
import { Worker } from 'node:worker_threads';
import type { Dataset, Split } from '../data/dataset.js';
import { kernels, type BackendName } from '../kernels/backend.js';
import type { DType, FloatArray } from '../kernels/matrix.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import type { ResolvedNetSpec } from '../network/spec.js';
import { RangeCounter } from './count-correct.js';
import type { Accuracies, Yield } from './engine.js';

/** What a worker is started with (its workerData). */
export interface WorkerInit {
  backend: BackendName;
  spec: ResolvedNetSpec;
  dtype: DType;
  train: Split;
  test: Split;
  /** The worker's share of the validation split, when there is one. */
  validation?: Split;
}

/** A measurement request: the parameters and buffers (copies, by name), and the reply: the worker's two counts. */
export interface CountRequest {
  params: Record<string, FloatArray>;
  buffers: Record<string, FloatArray>;
}
export type CountReply = Counts | { error: string };
/** Correct predictions per split (validation: when there is a validation split). */
export type Counts = { train: number; test: number; validation?: number };

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/engine/eval-worker.js', import.meta.url)
  : new URL('./eval-worker.js', import.meta.url);

/** Images first .. end - 1 of share k when `count` images are cut into `shares` shares. */
export function shareRange(count: number, shares: number, k: number): { start: number; end: number } {
  return { start: Math.floor((k * count) / shares), end: Math.floor(((k + 1) * count) / shares) };
}

export class EvalPool {
  private readonly workers: Worker[] = [];
  private readonly trainCounter: RangeCounter;
  private readonly testCounter: RangeCounter;
  private readonly validationCounter: RangeCounter | null;

  constructor(
    private readonly dataset: Dataset,
    private readonly net: MultiLayerNet,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`EvalPool: threads must be a positive integer, got ${threads}`);
    this.trainCounter = new RangeCounter(dataset.train, net);
    this.testCounter = new RangeCounter(dataset.test, net);
    this.validationCounter = dataset.validation === undefined ? null : new RangeCounter(dataset.validation, net);
    for (let k = 0; k < threads - 1; k++) {
      const init: WorkerInit = {
        backend: kernels().name === 'wasm' ? 'wasm' : 'js',
        spec: net.spec,
        dtype: net.dtype,
        train: shareOf(dataset.train, threads - 1, k),
        test: shareOf(dataset.test, threads - 1, k),
        ...(dataset.validation === undefined ? {} : { validation: shareOf(dataset.validation, threads - 1, k) }),
      };
      const worker = new Worker(WORKER_URL, { workerData: init });
      worker.on('error', () => {}); // reported by the pending ask(); an idle worker's error waits for the next one
      worker.unref(); // an idle worker keeps no process alive (a pool never closed); ask() holds it while it counts
      this.workers.push(worker);
    }
  }

  /** True when the workers count and this thread only waits: the net may change as soon as accuracies() returns its promise. */
  get countsAlongside(): boolean {
    return this.workers.length > 0;
  }

  /**
   * Accuracy on the whole train and test splits, for the weights the net holds at the call.
   * With workers, the weights are copied to them before this returns (see countsAlongside);
   * without, this thread counts, yielding to the event loop now and then.
   */
  async accuracies(yielder?: Yield): Promise<Accuracies> {
    const request: CountRequest = { params: arraysOf(this.net.params), buffers: arraysOf(this.net.buffers) };
    const replies = this.workers.map((worker) => ask(worker, request));
    const { train, test, validation } = this.dataset;
    let trainCorrect = 0;
    let testCorrect = 0;
    let validationCorrect = 0;
    if (this.workers.length === 0) {
      trainCorrect = await this.trainCounter.count(0, train.count, yielder);
      testCorrect = await this.testCounter.count(0, test.count, yielder);
      if (validation !== undefined) validationCorrect = await this.validationCounter!.count(0, validation.count, yielder);
    }
    for (const reply of await Promise.all(replies)) {
      trainCorrect += reply.train;
      testCorrect += reply.test;
      validationCorrect += reply.validation ?? 0;
    }
    const accuracies: Accuracies = {
      trainAcc: train.count === 0 ? 0 : trainCorrect / train.count,
      testAcc: test.count === 0 ? 0 : testCorrect / test.count,
    };
    if (validation !== undefined) accuracies.valAcc = validation.count === 0 ? 0 : validationCorrect / validation.count;
    return accuracies;
  }

  /** Stops the workers and frees this thread's counters; the pool must not be used afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map(closeWorker));
    this.workers.length = 0;
    await Promise.all([this.trainCounter.release(), this.testCounter.release(), this.validationCounter?.release()]);
  }
}

/** The matrices' own arrays by name (postMessage copies them). */
function arraysOf(matrices: Readonly<Record<string, { data: FloatArray }>>): Record<string, FloatArray> {
  const out: Record<string, FloatArray> = {};
  for (const [name, m] of Object.entries(matrices)) out[name] = m.data;
  return out;
}

function sharedView(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes.subarray(start, end);
  const copy = new Uint8Array(new SharedArrayBuffer(end - start));
  copy.set(bytes.subarray(start, end));
  return copy;
}

/**
 * Asks an idle worker to leave and waits for it to exit; terminate() only if it has not left
 * after 5 s. NOTE: terminate() right after a worker's busy start (short runs, tests) now and
 * then aborted the whole process in Node 20 (a V8 background compile job outliving the
 * worker's isolate: "Assertion failed: (data.first) != nullptr" in NodePlatform::ForIsolate).
 */
async function closeWorker(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref(); // wait for it to leave
  worker.postMessage('close');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), 5000);
  });
  if ((await Promise.race([exited, late])) === 'late') await worker.terminate();
  clearTimeout(timer);
}

/** Sends one request and waits for its reply; rejects when the worker fails or exits instead. */
function ask(worker: Worker, request: CountRequest): Promise<Counts> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      worker.unref();
    };
    const onMessage = (reply: CountReply): void => {
      done();
      if ('error' in reply) reject(new Error(`evaluation worker: ${reply.error}`));
      else resolve(reply);
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    const onExit = (code: number): void => {
      done();
      reject(new Error(`evaluation worker exited with code ${code}`));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.ref();
    worker.postMessage(request);
  });
}

/**
 * Share k of a split for a worker: views of the split when it sits in shared memory, else a
 * copy in shared memory. NOTE: never a transferred ArrayBuffer: detaching one (a transfer)
 * makes V8 check every typed-array access for detachment from then on, which slowed the js
 * backend's training by a third.
 */
function shareOf(split: Split, shares: number, k: number): Split {
  const { start, end } = shareRange(split.count, shares, k);
  const pixels = split.rows * split.cols;
  return {
    images: sharedView(split.images, start * pixels, end * pixels),
    labels: sharedView(split.labels, start, end),
    count: end - start,
    rows: split.rows,
    cols: split.cols,
  };
}
