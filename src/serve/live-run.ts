/**
 * `bp-train train --serve`: the page of a run, live. The run's events go to the event hub as
 * they are emitted (the same JSON as --json); at each measurement the model's bytes are kept,
 * and while pages are connected a worker thread counts its confusion matrix and mistakes, which
 * go out with the model as a snapshot. Nothing here waits for a page or makes the training
 * thread count anything: the run computes what it computes without --serve, as fast.
 *
 * In the order train.ts calls it: start() (listens, before the data is loaded, so the URL comes
 * first), useData() (the test split, once loaded), event()/summary()/measured() during the run,
 * close() at the end (the last snapshot, the `end` event, the server stopped).
 */
import type { Split } from '../data/dataset.js';
import type { BackendName } from '../kernels/backend.js';
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { ConfusionRunner } from './confusion-runner.js';
import { EventHub } from './event-hub.js';
import { readPageFiles, servedFiles } from './page-files.js';
import { PageServer } from './page-server.js';
import { makeSnapshot } from './snapshot.js';

/** How long the end of a run waits for the last confusion matrix, then for the pages to read the rest. */
const LAST_COUNT_WAIT_MS = 3000;
const DELIVERY_WAIT_MS = 1500;

interface Measured {
  model: Uint8Array;
  epoch: number;
  iteration: number;
  /** Counted (or being counted) for the pages. */
  submitted: boolean;
}

export class LiveRun {
  private runner: ConfusionRunner<Measured> | null = null;
  private latest: Measured | null = null;
  private closed = false;

  private constructor(
    private readonly server: PageServer,
    private readonly hub: EventHub,
    private readonly note: (line: string) => void,
  ) {}

  /** Listens on host:port with the built page. @throws ListenError, DataError (page not built) */
  static async start(host: string, port: number, note: (line: string) => void): Promise<LiveRun> {
    const hub = new EventHub();
    const server = await PageServer.start({ host, port, files: servedFiles(readPageFiles(), { mode: 'live' }), events: hub });
    const live = new LiveRun(server, hub, note);
    hub.onConnect = () => live.count();
    return live;
  }

  /** Whether the page listens on a loopback address only (PageServer.loopback). */
  get loopback(): boolean {
    return this.server.loopback;
  }

  get url(): string {
    return this.server.url;
  }

  /** The test split the snapshots are measured on, and the run's backend (the worker counts with it). */
  useData(test: Split, source: string, backend: BackendName, classNames?: readonly string[]): void {
    let failed = false;
    this.runner = new ConfusionRunner<Measured>(
      { backend, test },
      (result, measured) => this.hub.snapshot(JSON.stringify(makeSnapshot(measured.model, measured, test, source, result, classNames))),
      (message) => {
        if (!failed) this.note(`bp-train: note: the live page's confusion matrix could not be counted: ${message}`);
        failed = true;
      },
    );
  }

  event(e: TrainEvent): void {
    this.hub.runEvent(e);
  }

  summary(s: Summary): void {
    this.hub.runEvent(s);
  }

  /** A measurement: `model` gives the model file's bytes as measured (called at once). */
  measured(model: () => Uint8Array, at: { epoch: number; iteration: number }): void {
    this.latest = { model: model(), epoch: at.epoch, iteration: at.iteration, submitted: false };
    this.count();
  }

  /** The last snapshot, then `end` to every page, then the server stops. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.runner?.close(LAST_COUNT_WAIT_MS);
    this.hub.end();
    await this.server.close(DELIVERY_WAIT_MS);
  }

  /** Counts the latest model if a page is there to see it. */
  private count(): void {
    const latest = this.latest;
    if (latest === null || latest.submitted || this.hub.clientCount === 0 || this.runner === null) return;
    latest.submitted = true;
    this.runner.submit(latest.model, latest);
  }
}
