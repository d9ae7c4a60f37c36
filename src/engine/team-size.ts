/**
 * The threads of the wasm program's team (program-engine.ts): `threads`, but one a core at
 * most, one per free core at the start (kernels/free-cores.ts: a core another process holds
 * makes the threads wait for each other; the pacer, kernels/team-pacer.ts, handles load that
 * comes later), and one per 3 vectors of the widest layer's units at most (4 threads for the
 * book's 50 hidden units: a thread's run of fewer makes its sums wait on their own additions;
 * a guess, as only 2 cores were at hand to measure).
 */
import { availableParallelism } from 'node:os';

export function teamSize(threads: number, hidden: number, free = availableParallelism()): number {
  return Math.max(1, Math.min(threads, availableParallelism(), free, Math.floor(Math.ceil(hidden / 4) / 3)));
}
