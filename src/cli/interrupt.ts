/**
 * Signals during a run: SIGINT (Ctrl-C), SIGTERM (CI cancel, docker stop, Kubernetes,
 * timeout(1)) and SIGHUP (terminal closed) all ask the trainer to stop after the current
 * iteration; the run then saves, prints the resume command and its summary, and exits with
 * 128 + the signal's number (130, 143, 129). A second signal, of any of the three, exits at
 * once with its own code; the same signal again within REPEAT_MS of the first does not count,
 * because timeout(1) sends its signal to the process and to its group, a few microseconds
 * apart. The writer is synchronous, so no signal lands in the middle of a write.
 */
import fs from 'node:fs';
import tty from 'node:tty';
import { EXIT } from './errors.js';

export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 128 + the signal's number (the same on Linux and macOS). */
export const SIGNAL_EXIT: Record<StopSignal, number> = {
  SIGHUP: EXIT.hangup,
  SIGINT: EXIT.interrupted,
  SIGTERM: EXIT.terminated,
};

export interface Interrupt {
  /** The flag the trainer reads after every iteration (also set when a checkpoint fails). */
  readonly stop: { requested: boolean };
  /** The first signal received, or null. */
  signal(): StopSignal | null;
  /** Whether requestStop asked the run to stop (its standard output closed or failing). */
  byOutput(): boolean;
  /** Removes the handlers (the default of dying on these signals comes back). */
  dispose(): void;
}

/** A repeat of the first signal sooner than this is the same one delivered twice (see the header). */
export const REPEAT_MS = 500;

/** The run that is listening now, if any: its stop flag, and whether requestStop set it. */
let listening: { stop: { requested: boolean }; byOutput: boolean } | null = null;

/** Asks the running training (if one listens) to stop after the current iteration, as a signal does; false when none runs. */
export function requestStop(): boolean {
  if (listening === null) return false;
  listening.stop.requested = true;
  listening.byOutput = true;
  return true;
}

export function listenForInterrupt(note: (line: string) => void): Interrupt {
  const stop = { requested: false };
  const mine = { stop, byOutput: false };
  listening = mine;
  let received: StopSignal | null = null;
  let receivedAt = 0;
  const terminals = [0, 1, 2].filter((fd) => tty.isatty(fd));
  let closeTerminals = false;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (signal === 'SIGHUP' && terminals.length > 0 && !closeTerminals) {
        closeTerminals = true;
        process.once('exit', () => closeAll(terminals));
      }
      if (received !== null) {
        if (signal === received && performance.now() - receivedAt < REPEAT_MS) return;
        process.exit(SIGNAL_EXIT[signal]);
      }
      received = signal;
      receivedAt = performance.now();
      stop.requested = true;
      const again = signal === 'SIGINT' ? 'Ctrl-C again to quit at once' : 'a second signal quits at once';
      note(`interrupt: ${signal} received: finishing the current iteration (${again})`);
    };
    process.on(signal, handler);
    return { signal, handler };
  });
  return {
    stop,
    signal: () => received,
    byOutput: () => mine.byOutput,
    dispose: () => {
      if (listening === mine) listening = null;
      for (const { signal, handler } of handlers) process.off(signal, handler);
    },
  };
}

/**
 * Node 20 aborts on exit (an assertion in ResetStdio) when it cannot restore the settings of a
 * terminal that has hung up (nodejs/node#51519, fixed in later versions); it skips descriptors
 * that are closed. Output to a terminal is synchronous in Node, so closing loses nothing.
 */
function closeAll(fds: number[]): void {
  for (const fd of fds) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
  }
}
