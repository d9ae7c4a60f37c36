/**
 * Confusion matrices of a live run's models, counted on a worker thread (confusion-worker.ts)
 * so that training never waits for them. One model at a time: a model sent while another is
 * being counted waits in a single slot, where a newer one replaces it (the page wants the
 * latest, not every one). Started on the first request; close() lets the current count finish
 * (up to a bound) and the worker leave.
 */
import { Worker } from 'node:worker_threads';
import type { Split } from '../data/dataset.js';
import type { BackendName } from '../kernels/backend.js';
import type { ConfusionResult } from '../train/confusion.js';

/** What the worker is started with (its workerData). */
export interface ConfusionInit {
  backend: BackendName;
  test: Split;
}
export interface ConfusionRequest {
  id: number;
  model: Uint8Array;
}
export type ConfusionReply = { id: number; result: ConfusionResult } | { id: number; error: string };

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/serve/confusion-worker.js', import.meta.url)
  : new URL('./confusion-worker.js', import.meta.url);

interface Job<T> {
  model: Uint8Array;
  tag: T;
}

export class ConfusionRunner<T> {
  private worker: Worker | null = null;
  private running: (Job<T> & { id: number }) | null = null;
  private waiting: Job<T> | null = null;
  private nextId = 1;
  private closed = false;
  private idle: (() => void)[] = [];

  /** `done` gets each result with the tag it was sent with; `failed` a worker's error (the run goes on). */
  constructor(
    private readonly init: ConfusionInit,
    private readonly done: (result: ConfusionResult, tag: T) => void,
    private readonly failed: (message: string) => void,
  ) {}

  /** Counts `model` when the worker is free (replacing any model still waiting). */
  submit(model: Uint8Array, tag: T): void {
    if (this.closed) return;
    this.waiting = { model, tag };
    this.pump();
  }

  /** Whether a model is being counted or waits. */
  get busy(): boolean {
    return this.running !== null || this.waiting !== null;
  }

  /** Waits up to `waitMs` for the counts under way, then lets the worker go. */
  async close(waitMs: number): Promise<void> {
    if (this.busy) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.closed = true;
    this.waiting = null;
    const worker = this.worker;
    this.worker = null;
    // A count that outlived the wait is left to the process's exit (the worker is unref'd):
    // terminate() can abort the process under a background compile job (see eval-worker.ts).
    if (worker !== null && this.running === null) worker.postMessage('close');
  }

  private pump(): void {
    if (this.running !== null || this.waiting === null || this.closed) return;
    const job = { ...this.waiting, id: this.nextId++ };
    this.waiting = null;
    this.running = job;
    this.start().postMessage({ id: job.id, model: job.model } satisfies ConfusionRequest);
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(WORKER_URL, { workerData: this.init });
    worker.unref(); // never keeps the process alive
    worker.on('message', (reply: ConfusionReply) => this.answer(reply));
    worker.on('error', (err) => {
      this.failed(err.message);
      this.worker = null;
      this.running = null;
      this.settle();
    });
    this.worker = worker;
    return worker;
  }

  private answer(reply: ConfusionReply): void {
    const job = this.running;
    this.running = null;
    if (job !== null && job.id === reply.id) {
      if ('error' in reply) this.failed(reply.error);
      else this.done(reply.result, job.tag);
    }
    this.pump();
    this.settle();
  }

  private settle(): void {
    if (this.busy && !this.closed && this.worker !== null) return;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
