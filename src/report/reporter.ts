/**
 * A reporter turns training events into output. Three exist: tty.ts (progress bar and colour
 * on a terminal), plain.ts (clean lines for CI logs and pipes), json.ts (JSON lines).
 */
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';

export interface Reporter {
  event(e: TrainEvent): void;
  summary(s: Summary): void;
  /** A line for a human (a warning, where a run stopped); never on stdout in --json mode. */
  note(line: string): void;
  /** Stops timers (the progress bar's redraw) so the process can exit. */
  close(): void;
}

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const processOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
