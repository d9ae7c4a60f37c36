/**
 * What the page knows of a live run, from its events (train/events.ts and the summary: the
 * JSON of the --json lines; NaN arrives as null). A start event begins a run afresh (a tab left
 * open while a new run starts on the same port); epochs are kept by number, so an event seen
 * twice (a reconnection) counts once.
 */
import type { EpochRecord } from '../model/model-meta.js';
import type { EpochEvent, ProgressEvent, StartEvent, TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';

export type RunEvent = TrainEvent | Summary;

export class RunState {
  start: StartEvent | null = null;
  readonly epochs = new Map<number, EpochEvent>();
  progress: ProgressEvent | null = null;
  /** The last iteration an event reported. */
  iteration = 0;
  summary: Summary | null = null;
  stopped: { why: 'diverged' | 'interrupted'; iteration: number } | null = null;

  apply(e: RunEvent): void {
    switch (e.event) {
      case 'start':
        this.start = e;
        this.epochs.clear();
        this.progress = null;
        this.summary = null;
        this.stopped = null;
        this.iteration = e.startIteration;
        break;
      case 'progress':
        this.progress = e;
        this.iteration = e.iteration;
        break;
      case 'epoch':
        this.epochs.set(e.epoch, e);
        this.iteration = Math.max(this.iteration, e.iteration);
        if (this.progress !== null && this.progress.iteration <= e.iteration) this.progress = null;
        break;
      case 'diverged':
      case 'interrupted':
        this.stopped = { why: e.event, iteration: e.iteration };
        break;
      case 'summary':
        this.summary = e;
        this.progress = null;
        break;
    }
  }

  /** The epochs as the chart takes them (model-meta.ts EpochRecord: every field but the event's name and time), in order. */
  history(): EpochRecord[] {
    return [...this.epochs.values()]
      .sort((a, b) => a.epoch - b.epoch)
      .map((e) => {
        const record: Record<string, unknown> = { ...e };
        delete record.event;
        delete record.elapsedMs;
        return record as unknown as EpochRecord;
      });
  }

  /** Epochs in the whole run (its target iterations / iterations per epoch, rounded up). */
  totalEpochs(): number {
    return this.start === null ? 0 : Math.ceil(this.start.iterations / this.start.itersPerEpoch);
  }
}
