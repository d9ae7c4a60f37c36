/**
 * Train and test accuracy (and validation accuracy when the dataset has a validation split)
 * counted by the wasm program itself (wasm-program.ts), with its
 * weights as they are and its team of threads: the measurements of the program engine
 * (program-engine.ts).
 * - In line (the last measurement of a run, or a team of one): the whole team counts, and
 *   training waits for it.
 * - Alongside (countsAlongside): the helpers count with a copy of the weights while thread 0
 *   trains on alone, and the team shares the steps again once they are done. For the book's
 *   run on 2 cores (measured on the earlier fused TwoLayerNet, which the program replaced at
 *   the same speed), an epoch's 600 steps and the last epoch's measurement took 46 + 25 ms in
 *   line, 68 ms alongside: the helper counts 70,000 images in 46 ms, meanwhile thread 0 takes
 *   ~325 steps alone (142 us each), then the two share the other ~275 (81 us each). Threads
 *   that share a step wait for each other three times a step, and in this VM's slow spells
 *   they wait much longer: there the run took 1.5-1.6 s alongside, 1.8-1.9 s in line.
 *   When an epoch is over long before its count (short epochs), alongside is slower than in
 *   line (steps alone, and then a wait): after the first count whose rest took longer to
 *   finish than it had run alongside, the rest are in line. An epoch only a little shorter
 *   than its count (a busy machine slows the helper) keeps counting alongside: in line, while
 *   another process held a core, the counts made training wait 0.7-0.9 s of a 3 s run.
 */
import type { Dataset, Split } from '../data/dataset.js';
import type { Accuracies, Yield } from './engine.js';

/** Images per count between two chances to yield (a few ms of work). */
const CHUNK = 5000;

/** How often a count alongside is looked at while the event loop runs (at the trainer's yields). */
const POLL_MS = 1;

/** What the measurer uses of a counting net (WasmProgram is one). */
export interface CountingNet {
  /** The team's size: with 1, every count is in line. */
  readonly threads: number;
  /** Starts counting the splits on the helpers, alongside the steps; false (nothing started) without helpers. */
  startCounts(splits: readonly Split[]): boolean;
  /** The counts of startCounts, split by split, once done (null before; with `wait`, every thread finishes them now). */
  takeCounts(wait?: boolean): number[] | null;
  /** Correct predictions among images start .. start + count - 1 of the split, every thread counting. */
  countCorrect(split: Split, start: number, count: number): number;
}

export class TeamMeasurer {
  /** The count alongside that the trainer has not got yet: finish() ends it at once. */
  private pending: { finish: () => void } | null = null;
  /** Set once the rest of a count alongside took longer to finish than it had run: counts are in line from then on. */
  private outlasted = false;

  constructor(
    private readonly counting: CountingNet,
    private readonly dataset: Dataset,
  ) {}

  /** With helpers, until a count outlasted its epoch by far (see finish in accuracies). */
  get countsAlongside(): boolean {
    return this.counting.threads > 1 && !this.outlasted;
  }

  async accuracies(yielder?: Yield, alongside = false): Promise<Accuracies> {
    const { train, test, validation } = this.dataset;
    const splits = validation === undefined ? [train, test] : [train, test, validation];
    if (!alongside || !this.counting.startCounts(splits)) {
      const accuracies: Accuracies = { trainAcc: await this.accuracy(train, yielder), testAcc: await this.accuracy(test, yielder) };
      if (validation !== undefined) accuracies.valAcc = await this.accuracy(validation, yielder);
      return accuracies;
    }
    // trainStep moves the count on while the trainer steps; a timer notices its end at the
    // trainer's next yield, and finish() (the trainer waits) ends it with every thread.
    const counts = await new Promise<number[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      /** Settles the promise with the counts `take` gives, if it gives them (or throws); false if not yet. */
      const settle = (take: () => number[] | null): boolean => {
        try {
          const counts = take();
          if (counts === null) return false;
          resolve(counts);
        } catch (e) {
          reject(e);
        }
        this.pending = null;
        return true;
      };
      const poll = (): void => {
        if (!settle(() => this.counting.takeCounts())) timer = setTimeout(poll, POLL_MS);
      };
      const started = performance.now();
      this.pending = {
        finish: () => {
          clearTimeout(timer);
          if (settle(() => this.counting.takeCounts())) return;
          // What is left is counted by every thread now. Short epochs leave most of it (the
          // epoch lasted less than this wait): counts are in line from then on. Epochs about
          // as long as the count (a busy machine slows the helper) go on alongside.
          const alongsideMs = performance.now() - started;
          const waitStart = performance.now();
          settle(() => this.counting.takeCounts(true));
          if (performance.now() - waitStart > alongsideMs) this.outlasted = true;
        },
      };
      poll();
    });
    const accuracies: Accuracies = { trainAcc: ratio(counts[0], train.count), testAcc: ratio(counts[1], test.count) };
    if (validation !== undefined) accuracies.valAcc = ratio(counts[2], validation.count);
    return accuracies;
  }

  /** The trainer waits for the count alongside (Measurement.hurry): it is finished now, by every thread (this one too). */
  finish(): void {
    this.pending?.finish();
  }

  private async accuracy(split: Split, yielder?: Yield): Promise<number> {
    let correct = 0;
    for (let done = 0; done < split.count; done += CHUNK) {
      correct += this.counting.countCorrect(split, done, Math.min(CHUNK, split.count - done));
      await yielder?.maybeYield();
    }
    return ratio(correct, split.count);
  }

  async close(): Promise<void> {}
}

const ratio = (correct: number, count: number): number => (count === 0 ? 0 : correct / count);
