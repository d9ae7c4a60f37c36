/**
 * The helper threads of a fused wasm net: threads - 1 workers (wasm-team-worker.ts), each an
 * instance of the same module on the same shared memory, running simd.as.ts's teamServe. The
 * calling thread is thread 0: it writes a command into the team block, bumps its number and
 * does its own part (teamStep, teamCount); the helpers do theirs, meeting at barriers in shared
 * memory. simd.as.ts says how a step is cut so that no number depends on the team's size.
 * A count may also go to the helpers alone, while thread 0 takes steps by itself (a count
 * alongside, wasm-fused.ts's startCounts): thread 0 then sees it end with idle().
 *
 * Why threads inside a step: the step is the critical path (10,000 of them, ~0.14 ms each on
 * one core), and only splitting it lets the second core shorten it. Its parts last tens of
 * microseconds, too short to wait for messages (they go through each thread's event loop), so
 * the threads wait for each other by spinning on shared words, and sleep (Atomics.wait) when
 * nothing comes within about a step's time. While sharing a step does not pay (another process
 * holds a core), thread 0 takes the steps alone (team-pacer.ts, beginStep).
 *
 * This file holds the team block's layout on the JS side (the offsets in simd.as.ts, in i32
 * units) and the workers' lives: start, stop, failure. It computes nothing.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { TeamPacer } from './team-pacer.js';
import type { WasmArena, WasmMemory, WasmModule } from './wasm-module.js';

/** The largest team: simd.as.ts reserves a slot for each. */
export const MAX_TEAM = 8;
/** Bytes of a team block: SLOTS_ + MAX_TEAM * SLOT_BYTES in simd.as.ts. */
export const TEAM_BYTES = 128 + MAX_TEAM * 64;

/** Fields of the team block, as indexes into an Int32Array (Float32Array for LR, Float64Array for MAXLOSS) over it. */
export const TEAM = {
  SEQ: 0, CMD: 1, THREADS: 2, FAILED: 3, STARTS: 4, LABELS: 5, IDX: 6, N: 7, LR: 8, FIRST: 9, END: 10, PARITY: 11, MAXN: 14, MAXLOSS: 6,
  ACTIVE: 15, CSTARTS: 16, CLABELS: 17, CNET: 18, CFROM: 19, SLEEPERS: 20,
  /** Thread t's slot starts at SLOTS + t * SLOT; its fields, from there: */
  SLOTS: 32, SLOT: 16, ARRIVALS: 0, COUNT: 1, COL0: 2, COL1: 3, DONE: 4,
} as const;
/** Loads of a shared word before sleeping on it (each with a check(), ~5 ns): as simd.as.ts's SPINS, ~50 us. */
const SPINS = 10000;
/** FAILED when a thread stopped answering (simd.as.ts's SILENT), and after how many sleeps of 0.1 s with no news. */
const SILENT = 2;
const SILENT_SLEEPS = 300;

/** What a command or step given while the helpers start throws. */
const STARTING = 'team: its helpers are still starting (await useThreads first)';

/** The commands of simd.as.ts. */
export const COMMAND = { STEP: 1, COUNT: 2, QUIT: 3 } as const;

/** What a helper is started with (its workerData). */
export interface TeamWorkerInit {
  module: WasmModule;
  memory: WasmMemory;
  net: number;
  team: number;
  thread: number;
  /** The command number when it starts: it waits for the next one. */
  seen: number;
  /** Where it says 'ready', or why it failed (TeamWorkerMessage). */
  port: MessagePort;
}

/** A helper's message: 'ready' once instantiated, or why it failed. */
export type TeamWorkerMessage = 'ready' | { error: string };

/** A started helper: its thread, its port, and a promise kept when it has exited. */
interface Helper {
  worker: Worker;
  port: MessagePort;
  exited: Promise<void>;
}

/** Sets FAILED (1: a thread failed; SILENT: one stopped answering) and wakes every thread sleeping at a barrier. */
export function markFailed(fields: Int32Array, why: number): void {
  Atomics.store(fields, TEAM.FAILED, why);
  for (let t = 0; t < MAX_TEAM; t++) Atomics.notify(fields, TEAM.SLOTS + t * TEAM.SLOT + TEAM.ARRIVALS);
}

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/kernels/wasm-team-worker.js', import.meta.url)
  : new URL('./wasm-team-worker.js', import.meta.url);

export class WasmTeam {
  private helpers: Helper[] = [];
  private failure: string | null = null;
  private view: Int32Array | null = null;
  /** False while helpers start. */
  private ready = true;
  /** Whether steps are shared or taken alone (team-pacer.ts); a new one for each team. */
  private pacer = new TeamPacer();
  /** Whether the last step was shared: its helpers may still be finishing their columns of W1. */
  private lastShared = false;

  /** `address`: TEAM_BYTES at a 64-byte boundary, zeroed; `net`: the fused net's descriptor. */
  constructor(
    private readonly arena: WasmArena,
    private readonly net: number,
    readonly address: number,
  ) {
    this.fields()[TEAM.THREADS] = 1;
    this.fields()[TEAM.ACTIVE] = 1;
  }

  /** The team's size: this thread and its helpers. */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /** An Int32Array over the team block (made again when the memory has grown). */
  fields(): Int32Array {
    if (this.view === null || this.view.buffer !== this.arena.exports.memory.buffer) this.view = this.arena.i32(this.address, TEAM_BYTES / 4);
    return this.view;
  }

  /**
   * Makes the team `threads` threads: stops the helpers it has, if any, then starts new ones
   * (at once, when it has none: they boot while this thread goes on) and resolves once all are
   * ready. Commands wait for that.
   */
  async resize(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_TEAM) {
      throw new RangeError(`team: threads must be an integer from 1 to ${MAX_TEAM}, got ${threads}`);
    }
    if (threads === this.threads) return;
    if (this.helpers.length > 0) await this.stop();
    this.ready = false;
    const fields = this.fields();
    const seen = Atomics.load(fields, TEAM.SEQ);
    for (let t = 0; t < MAX_TEAM; t++) {
      fields[TEAM.SLOTS + t * TEAM.SLOT + TEAM.ARRIVALS] = 0;
      fields[TEAM.SLOTS + t * TEAM.SLOT + TEAM.DONE] = seen;
    }
    fields[TEAM.FAILED] = 0;
    fields[TEAM.SLEEPERS] = 0;
    this.failure = null;
    this.pacer = new TeamPacer();
    this.lastShared = false;
    const starting = [];
    for (let thread = 1; thread < threads; thread++) {
      const { port1: port, port2 } = new MessageChannel();
      const init: TeamWorkerInit = { module: this.arena.module, memory: this.arena.exports.memory, net: this.net, team: this.address, thread, seen, port: port2 };
      const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2] });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.on('error', (e) => {
        this.failure ??= e.message;
      });
      this.helpers.push({ worker, port, exited });
      starting.push(
        new Promise<void>((resolve, reject) => {
          port.on('message', (message: TeamWorkerMessage) => {
            if (message === 'ready') return resolve();
            this.failure ??= message.error; // read at once by check() if this thread is busy
            reject(new Error(`team helper ${thread}: ${message.error}`));
          });
          port.unref();
          worker.once('error', reject);
          void exited.then(() => reject(new Error(`team helper ${thread} exited before it was ready`)));
        }),
      );
    }
    try {
      await Promise.all(starting);
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.fields()[TEAM.THREADS] = threads;
    this.ready = true;
    // Helpers left running (a net never given back) do not keep the process alive.
    for (const { worker } of this.helpers) worker.unref();
  }

  /** Sends `command` (its arguments are in the team block already) to the helpers, if any. */
  send(command: number): void {
    if (!this.ready) throw new Error(STARTING);
    const fields = this.fields();
    fields[TEAM.CMD] = command;
    if (this.helpers.length === 0) return;
    Atomics.add(fields, TEAM.SEQ, 1);
    if (Atomics.load(fields, TEAM.SLEEPERS) !== 0) Atomics.notify(fields, TEAM.SEQ); // as wake() in simd.as.ts
  }

  /**
   * Called before each step (whose arguments are written): true when the helpers are to share
   * it (the caller then sends STEP with ACTIVE the team's size), false when thread 0 takes it
   * alone (ACTIVE 1). `mustBeAlone`: the helpers are counting alongside. Steps alone after shared
   * ones wait here until the helpers have finished their part of the last.
   */
  beginStep(mustBeAlone: boolean): boolean {
    if (!this.ready) throw new Error(STARTING);
    if (this.helpers.length === 0) return false;
    const shared = this.pacer.begin(mustBeAlone);
    if (!shared && this.lastShared && !mustBeAlone) this.quiesce(); // alongside, startCounts did
    this.lastShared = shared;
    return shared;
  }

  /** Called after thread 0's part of each step: the pacer times it. */
  endStep(): void {
    if (this.helpers.length > 0) this.pacer.end();
  }

  /**
   * Returns once every helper has finished the last command. A step returns on thread 0 while
   * helpers may still update their columns of W1: wait for this before reading or writing the
   * weights from anywhere else.
   */
  quiesce(): void {
    if (this.helpers.length === 0) return;
    const fields = this.fields();
    const seq = Atomics.load(fields, TEAM.SEQ);
    for (let t = 1; t <= this.helpers.length; t++) {
      const done = TEAM.SLOTS + t * TEAM.SLOT + TEAM.DONE;
      for (let spins = 0, sleeps = 0; Atomics.load(fields, done) !== seq; spins++) {
        this.check();
        if (spins < SPINS) continue;
        // Counted in SLEEPERS while asleep (simd.as.ts's sleepOn): the helper notifies only then.
        Atomics.add(fields, TEAM.SLEEPERS, 1);
        const now = Atomics.load(fields, done);
        const woke = now === seq ? 'ok' : Atomics.wait(fields, done, now, 100);
        Atomics.sub(fields, TEAM.SLEEPERS, 1);
        if (woke === 'timed-out' && ++sleeps >= SILENT_SLEEPS) markFailed(fields, SILENT);
      }
    }
  }

  /** True when every helper has finished the last command: quiesce() would return at once. */
  idle(): boolean {
    const fields = this.fields();
    const seq = Atomics.load(fields, TEAM.SEQ);
    for (let t = 1; t <= this.helpers.length; t++) {
      if (Atomics.load(fields, TEAM.SLOTS + t * TEAM.SLOT + TEAM.DONE) !== seq) return false;
    }
    return true;
  }

  /** The helpers' counts of the last COUNT, added up (read once idle: each wrote its own before DONE). */
  helperCounts(): number {
    const fields = this.fields();
    let sum = 0;
    for (let t = 1; t <= this.helpers.length; t++) sum += fields[TEAM.SLOTS + t * TEAM.SLOT + TEAM.COUNT];
    return sum;
  }

  /** Marks the team FAILED when this thread's own part failed: the helpers stop waiting for it. */
  fail(): void {
    markFailed(this.fields(), 1);
  }

  /** True once a helper has failed: the team is then stopped by resize() or stop() only. */
  get failed(): boolean {
    return this.failure !== null || Atomics.load(this.fields(), TEAM.FAILED) !== 0;
  }

  /** Throws when a helper failed (thread 0's part then returns NaN or -1), with what it said. */
  check(): void {
    if (!this.failed) return;
    for (const { port } of this.helpers) {
      const said = receiveMessageOnPort(port)?.message as TeamWorkerMessage | undefined;
      if (said !== undefined && said !== 'ready') this.failure ??= said.error;
    }
    if (this.failure === null && Atomics.load(this.fields(), TEAM.FAILED) === SILENT) {
      this.failure = `no word from a thread of the team for ${SILENT_SLEEPS / 10} s`;
    }
    throw new Error(`a training helper thread failed: ${this.failure ?? 'it gave no reason'}`);
  }

  /** Tells the helpers to quit and waits until they have exited; the team is then this thread alone. */
  async stop(): Promise<void> {
    const helpers = this.helpers;
    if (helpers.length === 0) return;
    this.helpers = [];
    this.ready = true;
    const fields = this.fields();
    fields[TEAM.THREADS] = 1;
    fields[TEAM.CMD] = COMMAND.QUIT;
    Atomics.add(fields, TEAM.SEQ, 1);
    Atomics.notify(fields, TEAM.SEQ);
    for (const { worker } of helpers) worker.ref(); // else the process may end while this waits
    await Promise.all(helpers.map((helper) => helper.exited));
    for (const { port } of helpers) port.close();
  }
}
