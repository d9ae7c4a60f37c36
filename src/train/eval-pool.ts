/**
 * Train and test accuracy measured by `threads` threads: this one and threads - 1 workers
 * (eval-worker.ts). Each split is cut into `threads` contiguous shares; this thread counts
 * share 0 and worker k counts share k. A worker reads its images where they are when they sit
 * in a SharedArrayBuffer (as the IDX reader leaves them), else it gets a copy once, at start. Each measurement sends the weights to every worker, counts share 0 here meanwhile,
 * and adds the integer counts in share order: the sum is exact, so the accuracies are the
 * same for every thread count (and equal to a one-thread count).
 *
 * What it is not: a training-step parallelisation. An SGD step of 100 images takes ~0.2 ms
 * here, too little to hand half of it to another thread and wait for the answer.
 */
import { Worker } from 'node:worker_threads';
import type { Dataset, Split } from '../data/dataset.js';
import { kernels, type BackendName } from '../kernels/backend.js';
import type { DType } from '../kernels/matrix.js';
import type { TwoLayerNet } from '../network/two-layer-net.js';
import { RangeCounter } from './count-correct.js';
import type { Yielder } from './yielder.js';

/** What a worker is started with (its workerData). */
export interface WorkerInit {
  backend: BackendName;
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  dtype: DType;
  train: Split;
  test: Split;
}

/** A measurement request: the weights (copies), and the reply: the worker's two counts. */
export interface CountRequest {
  W1: Float32Array | Float64Array;
  b1: Float32Array | Float64Array;
  W2: Float32Array | Float64Array;
  b2: Float32Array | Float64Array;
}
export type CountReply = { train: number; test: number } | { error: string };

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/train/eval-worker.js', import.meta.url)
  : new URL('./eval-worker.js', import.meta.url);

/** Images first .. end - 1 of share k when `count` images are cut into `shares` shares. */
export function shareRange(count: number, shares: number, k: number): { start: number; end: number } {
  return { start: Math.floor((k * count) / shares), end: Math.floor(((k + 1) * count) / shares) };
}

export class EvalPool {
  private readonly workers: Worker[] = [];
  private readonly trainCounter: RangeCounter;
  private readonly testCounter: RangeCounter;

  constructor(
    private readonly dataset: Dataset,
    private readonly net: TwoLayerNet,
    readonly threads: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`EvalPool: threads must be a positive integer, got ${threads}`);
    this.trainCounter = new RangeCounter(dataset.train, net);
    this.testCounter = new RangeCounter(dataset.test, net);
    const { W1, W2 } = net.params;
    for (let k = 1; k < threads; k++) {
      const train = shareOf(dataset.train, threads, k);
      const test = shareOf(dataset.test, threads, k);
      const init: WorkerInit = {
        backend: kernels().name === 'wasm' ? 'wasm' : 'js',
        inputSize: W1.rows,
        hiddenSize: W1.cols,
        outputSize: W2.cols,
        dtype: net.dtype,
        train,
        test,
      };
      const worker = new Worker(WORKER_URL, { workerData: init });
      worker.on('error', () => {}); // reported by the pending ask(); an idle worker's error waits for the next one
      this.workers.push(worker);
    }
  }

  /** Accuracy on the whole train and test splits, for the weights net.params hold now. */
  async accuracies(yielder?: Yielder): Promise<{ trainAcc: number; testAcc: number }> {
    const { W1, b1, W2, b2 } = this.net.params;
    const request: CountRequest = { W1: W1.data, b1: b1.data, W2: W2.data, b2: b2.data };
    const replies = this.workers.map((worker) => ask(worker, request));
    const { train, test } = this.dataset;
    const trainShare = shareRange(train.count, this.threads, 0);
    const testShare = shareRange(test.count, this.threads, 0);
    let trainCorrect = await this.trainCounter.count(trainShare.start, trainShare.end - trainShare.start, yielder);
    let testCorrect = await this.testCounter.count(testShare.start, testShare.end - testShare.start, yielder);
    for (const reply of await Promise.all(replies)) {
      trainCorrect += reply.train;
      testCorrect += reply.test;
    }
    return {
      trainAcc: train.count === 0 ? 0 : trainCorrect / train.count,
      testAcc: test.count === 0 ? 0 : testCorrect / test.count,
    };
  }

  /** Stops the workers and frees this thread's counters; the pool must not be used afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
    this.trainCounter.release();
    this.testCounter.release();
  }
}

function sharedView(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes.subarray(start, end);
  const copy = new Uint8Array(new SharedArrayBuffer(end - start));
  copy.set(bytes.subarray(start, end));
  return copy;
}

/** Sends one request and waits for its reply; rejects when the worker fails or exits instead. */
function ask(worker: Worker, request: CountRequest): Promise<{ train: number; test: number }> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
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
