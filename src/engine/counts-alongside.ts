/**
 * Counts of correct answers made by the helper threads on a copy of the weights while thread 0
 * goes on taking training steps alone ("alongside"): the split's images cut into chunks, the
 * next chunk sent whenever the helpers are done with the last (at each step), and what is left
 * counted by the whole team when the caller has to wait. wasm-program.ts owns one while counts
 * are under way; this file only keeps their books.
 */
import type { SparseSplit } from './sparse-split.js';

/** Images the helpers count per command. */
export const COUNT_CHUNK = 10000;

/** Images first .. first + count - 1 of split number `split`. */
export interface Chunk {
  sparse: SparseSplit;
  split: number;
  first: number;
  count: number;
}

/** What the books need of the team: whether the helpers are idle, their counts, and how to send a chunk. */
export interface CountingTeam {
  idle(): boolean;
  helperCounts(): number;
  /** Sends a chunk to the helpers alone (they count the weights' copy). */
  sendToHelpers(chunk: Chunk): void;
  /** Counts a chunk with every thread, this one too (on the copy), and returns the count. */
  countNow(chunk: Chunk): number;
}

export class CountsAlongside {
  private readonly chunks: Chunk[] = [];
  private done = 0;
  /** Whether chunks[done] is with the helpers. */
  private sent = false;
  readonly counts: number[];

  constructor(splits: readonly SparseSplit[]) {
    this.counts = splits.map(() => 0);
    splits.forEach((sparse, split) => {
      for (let first = 0; first < sparse.count; first += COUNT_CHUNK) {
        this.chunks.push({ sparse, split, first, count: Math.min(COUNT_CHUNK, sparse.count - first) });
      }
    });
  }

  /** True while some chunk is not counted yet. */
  get counting(): boolean {
    return this.done < this.chunks.length;
  }

  /** Without waiting: once the helpers are done with their chunk, books its count and sends them the next, if any. */
  advance(team: CountingTeam): void {
    if (this.sent && !team.idle()) return;
    this.collect(team);
    const next = this.chunks[this.done];
    if (next === undefined) return;
    team.sendToHelpers(next);
    this.sent = true;
  }

  /** Counts what is left now, every thread with this one (the helpers must be idle: the caller waited for them). */
  finish(team: CountingTeam): void {
    this.collect(team);
    for (; this.done < this.chunks.length; this.done++) {
      const chunk = this.chunks[this.done];
      this.counts[chunk.split] += team.countNow(chunk);
    }
  }

  private collect(team: CountingTeam): void {
    if (!this.sent) return;
    this.counts[this.chunks[this.done].split] += team.helperCounts();
    this.done++;
    this.sent = false;
  }
}
