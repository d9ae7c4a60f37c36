/**
 * Ctrl-C during a run: the first SIGINT asks the trainer to stop after the current iteration
 * (it then saves and exits 130); a second one exits at once with 130 (128 + SIGINT's 2).
 */
import { EXIT } from './errors.js';

export interface Interrupt {
  /** The flag the trainer reads after every iteration. */
  readonly stop: { requested: boolean };
  /** Removes the handler (the default of exiting on SIGINT comes back). */
  dispose(): void;
}

export function listenForInterrupt(note: (line: string) => void): Interrupt {
  const stop = { requested: false };
  const onSigint = (): void => {
    if (stop.requested) process.exit(EXIT.interrupted);
    stop.requested = true;
    note('interrupt: finishing the current iteration (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  return { stop, dispose: () => process.off('SIGINT', onSigint) };
}
