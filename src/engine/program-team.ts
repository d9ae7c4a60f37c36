/**
 * The helper threads of a wasm program: threads - 1 workers (program-worker.ts), each an
 * instance of build/program.wasm on the same shared memory, running program.as.ts's serve.
 * The calling thread is thread 0: it writes a command's fields into the team block
 * (layout.ts), bumps SEQ and runs its own part (step, count); the helpers run theirs, meeting
 * at barriers in shared memory (src/wasm/team.as.ts). A count may also go to the helpers alone
 * while thread 0 takes steps by itself (idle() says when it is done).
 *
 * Waiting: the parts of a step last tens of microseconds, too short for messages (they go
 * through each thread's event loop), so threads spin on shared words, then sleep (Atomics.wait)
 * when nothing comes for ~20 us; a thread that changes a word notifies only when SLEEPERS says
 * someone sleeps. As kernels/wasm-team.ts, whose measurements chose this.
 *
 * This file holds the workers' lives: start, stop, failure. It computes nothing.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { TeamPacer } from '../kernels/team-pacer.js';
import type { WasmMemory, WasmModule } from '../kernels/wasm-module.js';
import { COMMANDS, FAILURES, MAX_TEAM, SLOT, SLOT_BYTES, SLOTS, TEAM, TEAM_BYTES } from './layout.js';
import type { ProgramMemory } from './program-memory.js';

/** Loads of a shared word before sleeping on it (each with a check(), ~5 ns): ~20 us, as team.as.ts. */
const SPINS = 4000;
/** Sleeps of 0.1 s with no news before a thread counts as gone (team.as.ts's SILENT_SLEEPS). */
const SILENT_SLEEPS = 300;

/** What a helper is started with (its workerData). */
export interface ProgramWorkerInit {
  module: WasmModule;
  memory: WasmMemory;
  team: number;
  thread: number;
  /** The command number when it starts: it waits for the next one. */
  seen: number;
  /** Where it says 'ready', or why it failed. */
  port: MessagePort;
}

export type ProgramWorkerMessage = 'ready' | { error: string };

interface Helper {
  worker: Worker;
  port: MessagePort;
  exited: Promise<void>;
}

/** Index of a slot field in an Int32Array over the team block. */
export const slotIndex = (t: number, field: number): number => (SLOTS + t * SLOT_BYTES + field) / 4;
const at = (field: number): number => field / 4;

/** Sets FAILED and wakes every thread sleeping at a barrier. */
export function markFailed(fields: Int32Array, why: number): void {
  Atomics.store(fields, at(TEAM.FAILED), why);
  for (let t = 0; t < MAX_TEAM; t++) Atomics.notify(fields, slotIndex(t, SLOT.ARRIVALS));
}

/** The compiled worker. Under vitest this module runs from src/*.ts, so it points at dist/. */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/engine/program-worker.js', import.meta.url)
  : new URL('./program-worker.js', import.meta.url);

export class ProgramTeam {
  private helpers: Helper[] = [];
  private failure: string | null = null;
  private view: Int32Array | null = null;
  private ready = true;
  /** Whether steps are shared or taken alone (kernels/team-pacer.ts); a new one for each team. */
  private pacer = new TeamPacer();
  private lastShared = false;
  /** Steps of this team so far: shared with the helpers, and taken by thread 0 alone. */
  readonly steps = { shared: 0, alone: 0 };

  /**
   * `address`: TEAM_BYTES at a cache line, zeroed. `pace`: thread 0 times the steps and takes
   * them alone when sharing does not pay (kernels/team-pacer.ts); false: every step is shared.
   */
  constructor(
    private readonly memory: ProgramMemory,
    readonly address: number,
    private readonly pace = true,
  ) {
    this.fields()[at(TEAM.THREADS)] = 1;
    this.fields()[at(TEAM.ACTIVE)] = 1;
  }

  get threads(): number {
    return this.helpers.length + 1;
  }

  /** An Int32Array over the team block (made again when the memory has grown). */
  fields(): Int32Array {
    if (this.view === null || this.view.buffer !== this.memory.exports.memory.buffer) this.view = this.memory.i32(this.address, TEAM_BYTES / 4);
    return this.view;
  }

  /** Makes the team `threads` threads (stopping the helpers it has first); resolves once all are ready. */
  async resize(threads: number): Promise<void> {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_TEAM) {
      throw new RangeError(`team: threads must be an integer from 1 to ${MAX_TEAM}, got ${threads}`);
    }
    if (threads === this.threads) return;
    if (this.helpers.length > 0) await this.stop();
    this.ready = false;
    const fields = this.fields();
    const seen = Atomics.load(fields, at(TEAM.SEQ));
    for (let t = 0; t < MAX_TEAM; t++) {
      fields[slotIndex(t, SLOT.ARRIVALS)] = 0;
      fields[slotIndex(t, SLOT.DONE)] = seen;
    }
    fields[at(TEAM.FAILED)] = 0;
    this.failure = null;
    this.pacer = new TeamPacer();
    this.lastShared = false;
    const starting = [];
    for (let thread = 1; thread < threads; thread++) {
      const { port1: port, port2 } = new MessageChannel();
      const init: ProgramWorkerInit = { module: this.memory.module, memory: this.memory.exports.memory, team: this.address, thread, seen, port: port2 };
      const worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2] });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.on('error', (e) => {
        this.failure ??= e.message;
      });
      this.helpers.push({ worker, port, exited });
      starting.push(
        new Promise<void>((resolve, reject) => {
          port.on('message', (message: ProgramWorkerMessage) => {
            if (message === 'ready') return resolve();
            this.failure ??= message.error;
            reject(new Error(`program helper ${thread}: ${message.error}`));
          });
          port.unref();
          worker.once('error', reject);
          void exited.then(() => reject(new Error(`program helper ${thread} exited before it was ready`)));
        }),
      );
    }
    try {
      await Promise.all(starting);
    } catch (e) {
      await this.stop();
      throw e;
    }
    this.fields()[at(TEAM.THREADS)] = threads;
    this.ready = true;
    for (const { worker } of this.helpers) worker.unref(); // a program never released does not keep the process alive
  }

  /** Sends `command` (its fields are in the team block already) to the helpers, if any. */
  send(command: number): void {
    if (!this.ready) throw new Error('team: its helpers are still starting (await useThreads first)');
    const fields = this.fields();
    fields[at(TEAM.CMD)] = command;
    if (this.helpers.length === 0) return;
    Atomics.add(fields, at(TEAM.SEQ), 1);
    if (Atomics.load(fields, at(TEAM.SLEEPERS)) !== 0) Atomics.notify(fields, at(TEAM.SEQ));
  }

  /**
   * Before each step: true when the helpers are to share it (then send STEP with ACTIVE the
   * team's size), false when thread 0 takes it alone (ACTIVE 1); `mustBeAlone`: the helpers are
   * busy counting. A step alone after a shared one first waits for the helpers to finish it.
   */
  beginStep(mustBeAlone: boolean): boolean {
    if (this.helpers.length === 0) return false;
    const shared = this.pace ? this.pacer.begin(mustBeAlone) : !mustBeAlone;
    if (!shared && this.lastShared && !mustBeAlone) this.quiesce();
    this.lastShared = shared;
    if (shared) this.steps.shared++;
    else this.steps.alone++;
    return shared;
  }

  endStep(): void {
    if (this.helpers.length > 0 && this.pace) this.pacer.end();
  }

  /** Returns once every helper has finished the last command: wait for this before reading or writing the weights. */
  quiesce(): void {
    if (this.helpers.length === 0) return;
    const fields = this.fields();
    const seq = Atomics.load(fields, at(TEAM.SEQ));
    for (let t = 1; t <= this.helpers.length; t++) {
      const done = slotIndex(t, SLOT.DONE);
      for (let spins = 0, sleeps = 0; Atomics.load(fields, done) !== seq; spins++) {
        this.check();
        if (spins < SPINS) continue;
        Atomics.add(fields, at(TEAM.SLEEPERS), 1);
        const now = Atomics.load(fields, done);
        const woke = now === seq ? 'ok' : Atomics.wait(fields, done, now, 100);
        Atomics.sub(fields, at(TEAM.SLEEPERS), 1);
        if (woke === 'timed-out' && ++sleeps >= SILENT_SLEEPS) markFailed(fields, FAILURES.SILENT);
      }
    }
  }

  /** True when every helper has finished the last command. */
  idle(): boolean {
    const fields = this.fields();
    const seq = Atomics.load(fields, at(TEAM.SEQ));
    for (let t = 1; t <= this.helpers.length; t++) if (Atomics.load(fields, slotIndex(t, SLOT.DONE)) !== seq) return false;
    return true;
  }

  /** The helpers' counts of the last COUNT, added up (read once idle). */
  helperCounts(): number {
    const fields = this.fields();
    let sum = 0;
    for (let t = 1; t <= this.helpers.length; t++) sum += fields[slotIndex(t, SLOT.COUNT)];
    return sum;
  }

  /** Marks the team FAILED when this thread's own part failed: the helpers stop waiting for it. */
  fail(): void {
    markFailed(this.fields(), FAILURES.FAILED);
  }

  get failed(): boolean {
    return this.failure !== null || Atomics.load(this.fields(), at(TEAM.FAILED)) !== 0;
  }

  /** Throws when a helper failed, with what it said. */
  check(): void {
    if (!this.failed) return;
    for (const { port } of this.helpers) {
      const said = receiveMessageOnPort(port)?.message as ProgramWorkerMessage | undefined;
      if (said !== undefined && said !== 'ready') this.failure ??= said.error;
    }
    if (this.failure === null && Atomics.load(this.fields(), at(TEAM.FAILED)) === FAILURES.SILENT) {
      this.failure = `no word from a thread of the team for ${SILENT_SLEEPS / 10} s`;
    }
    throw new Error(`a wasm program helper thread failed: ${this.failure ?? 'it gave no reason'}`);
  }

  /** Tells the helpers to quit and waits until they have exited. */
  async stop(): Promise<void> {
    const helpers = this.helpers;
    if (helpers.length === 0) return;
    this.helpers = [];
    this.ready = true;
    const fields = this.fields();
    fields[at(TEAM.THREADS)] = 1;
    fields[at(TEAM.CMD)] = COMMANDS.QUIT;
    Atomics.add(fields, at(TEAM.SEQ), 1);
    Atomics.notify(fields, at(TEAM.SEQ));
    for (const { worker } of helpers) worker.ref();
    await Promise.all(helpers.map((helper) => helper.exited));
    for (const { port } of helpers) port.close();
  }
}
