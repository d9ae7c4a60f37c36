/**
 * bp-train on a real terminal (a pty from util-linux `script`, rendered by @xterm/headless):
 * the progress bar's speed and ETAs at every redraw, and the screen it leaves.
 *
 * What the bar's speed is checked against (the true rate): the terminal's own record of the
 * run. Each redraw shows the iteration reached (epoch and value/total) and arrives at a known
 * moment, so the redraws are a wall-clock log of (time, iteration). The true rate at a redraw
 * is the slope of that log over the second before it: iterations done / seconds elapsed, from
 * the last redraw at least 1 s earlier (or the first one, when at least 0.5 s earlier). These
 * runs measure alongside training (default --threads), so training goes on across an epoch
 * line while the epoch is measured, and so does the bar. Training waits only when that
 * measurement is still running at the end of the next epoch (a busy machine); nothing is
 * redrawn meanwhile, and the slope never reaches back past such a pause: a gap of more than
 * PAUSE_MS between the last redraw of one epoch and the first of a later one. The bar's
 * figure is the speed over its last second of training (which a wait does not count), and
 * a redraw can show figures up to one 100 ms tick old; the bound is used: within 2x at
 * every redraw read. The old speed (epoch-relative counters restarted at a late epoch event)
 * read 100 to 1000 times the true rate right after each epoch line.
 */
import { describe, expect, it } from 'vitest';
import { render, runInTerminal, type Redraw } from '../helpers/terminal.js';

const BAR = /^epoch (\d+)\/(\d+) [█░]+ (\d+)\/(\d+) \| loss (\d+\.\d{4}) \| ([-\d,]+) it\/s \| epoch ETA (\S+), run ETA (\S+)$/;

interface BarFrame {
  ms: number;
  epoch: number;
  /** Iterations of the run done (counted from the epochs before this one). */
  iteration: number;
  epochLeft: number;
  /** The bar's speed; NaN for "-". */
  speed: number;
  epochEta: number;
  runEta: number;
}

/** "1m05s" -> 65, "9s" -> 9, "-" -> NaN. */
function seconds(text: string): number {
  const m = /^(?:(\d+)m)?(\d+)s$/.exec(text);
  return m === null ? NaN : Number(m[1] ?? 0) * 60 + Number(m[2]);
}

function parseFrames(redraws: Redraw[], perEpoch: number): BarFrame[] {
  return redraws.map(({ line, ms }) => {
    const m = BAR.exec(line);
    if (m === null) throw new Error(`not a progress bar line: ${JSON.stringify(line)}`);
    const [epoch, value, total] = [Number(m[1]), Number(m[3]), Number(m[4])];
    const speed = m[6] === '-' ? NaN : Number(m[6].replace(/,/g, ''));
    return { ms, epoch, iteration: (epoch - 1) * perEpoch + value, epochLeft: total - value, speed, epochEta: seconds(m[7]), runEta: seconds(m[8]) };
  });
}

/** Redraws come about every 100 ms while training runs; a longer gap at an epoch line may be a wait for a measurement. */
const PAUSE_MS = 400;

/** The true rate at frame i (see the header), or null when less than 0.5 s of log precedes it. */
function trueRate(frames: BarFrame[], i: number): number | null {
  const now = frames[i];
  // Not back past a pause at an epoch line: training may have waited there for a measurement.
  let first = i;
  while (first > 0 && !(frames[first].epoch !== frames[first - 1].epoch && frames[first].ms - frames[first - 1].ms > PAUSE_MS)) first--;
  let from = first;
  for (let j = first; j < i; j++) if (frames[j].ms <= now.ms - 1000) from = j;
  const then = frames[from];
  if (now.ms - then.ms < 500) return null;
  return ((now.iteration - then.iteration) * 1000) / (now.ms - then.ms);
}

interface Checked {
  frames: BarFrame[];
  /** [bar speed, true rate, epoch] of each redraw read. */
  read: [number, number, number][];
  finalLines: string[];
  iterations: number;
}

/** Runs bp-train with `args` in a pty and checks every redraw of its bar (see the header). */
async function runAndCheck(args: string[]): Promise<Checked> {
  const run = await runInTerminal(args);
  expect(run.code, run.text).toBe(0);
  const { redraws, finalLines } = await render(run);
  const start = /(\d[\d,]*) iterations \((\d+) per epoch\)/.exec(finalLines[0]);
  expect(start, finalLines[0]).not.toBeNull();
  const iterations = Number(start![1].replace(/,/g, ''));
  const frames = parseFrames(redraws, Number(start![2]));

  // "-" (no speed yet) only at the start of the run: the window is never emptied later.
  const firstKnown = frames.findIndex((f) => !Number.isNaN(f.speed));
  expect(firstKnown, 'a redraw with a speed').toBeGreaterThanOrEqual(0);
  expect(frames.slice(firstKnown).filter((f) => Number.isNaN(f.speed))).toEqual([]);

  const read: [number, number, number][] = [];
  frames.forEach((f, i) => {
    const rate = trueRate(frames, i);
    if (rate === null || Number.isNaN(f.speed)) return;
    read.push([f.speed, Math.round(rate), f.epoch]);
    // Both ETAs are the iterations left at the speed shown (the ETA rounded to 1 s, the speed to 1 it/s).
    for (const [eta, left] of [[f.epochEta, f.epochLeft], [f.runEta, iterations - f.iteration]]) {
      const expected = left / f.speed;
      expect(Math.abs(eta - expected), `ETA ${eta}s for ${left} iterations at ${f.speed} it/s`).toBeLessThanOrEqual(0.5 + left / f.speed ** 2);
    }
  });
  const wrong = read.filter(([speed, rate]) => !(speed <= 2 * rate && speed >= rate / 2));
  expect(wrong, `bar speed vs true rate at each redraw read: ${JSON.stringify(read)}`).toEqual([]);

  // The screen left behind: no bar, and the cursor shown again (the bar hides it while drawn).
  expect(finalLines.filter((l) => l.includes('it/s'))).toEqual([]);
  expect(run.text.lastIndexOf('\x1b[?25h')).toBeGreaterThan(run.text.lastIndexOf('\x1b[?25l'));
  return { frames, read, finalLines, iterations };
}

/** The final screen without the times (the only parts that differ between runs). */
function withoutTimes(lines: string[]): string[] {
  return lines.map((l) => l.replace(/  \d+\.\ds$/, '  <time>').replace(/^wall .*/, 'wall <times>'));
}

describe('bp-train on a terminal', () => {
  it('js backend: the bar speed is within 2x of the true rate at every redraw, across epoch lines', async () => {
    // 80 iterations of the 200-unit net per epoch, 4 epochs: about 1 to 3 s an epoch here, so at
    // least 8 redraws even on a quiet machine (with 2 epochs a quiet run gave only 6).
    const { frames, read, finalLines } = await runAndCheck(['--backend', 'js', '--data', 'mnist-lite', '--hidden', '200', '--epochs', '4']);
    expect(read.length, JSON.stringify(frames)).toBeGreaterThanOrEqual(8);
    // Redraws read after the epoch line too: where the old speed was off by 100x and more.
    expect(read.filter(([, , epoch]) => epoch === 2).length, JSON.stringify(frames)).toBeGreaterThanOrEqual(2);
    expect(withoutTimes(finalLines)).toEqual([
      'training on mnist-lite: 8,000 train / 2,000 test, 784-200-10 relu std 0.01, sgd lr 0.1, batch 100, 320 iterations (80 per epoch), seed 1, backend js',
      'epoch 1/4  iter     80  loss 1.8998  train 0.7150  test 0.7100  <time>',
      'epoch 2/4  iter    160  loss 0.7443  train 0.8572  test 0.8520  <time>',
      'epoch 3/4  iter    240  loss 0.4630  train 0.8905  test 0.8875  <time>',
      'epoch 4/4  iter    320  loss 0.3949  train 0.9024  test 0.8915  <time>',
      'done: 320 iterations completed, test accuracy 0.8915 (best 0.8915 at epoch 4), train accuracy 0.9024, loss 0.3949',
      'wall <times>',
      'test accuracy per epoch 0.7100 ▁▇██ 0.8915',
    ]);
  });

  it('wasm backend, measuring alongside training: the bar speed is within 2x of the true rate at every redraw', async () => {
    const { frames, read, finalLines, iterations } = await runAndCheck(['--backend', 'wasm', '--data', 'mnist', '--hidden', '200', '--epochs', '6']);
    expect(read.length, JSON.stringify(frames)).toBeGreaterThanOrEqual(3);
    expect(new Set(read.map(([, , epoch]) => epoch)).size, JSON.stringify(frames)).toBeGreaterThanOrEqual(2);
    expect(iterations).toBe(3600);
    const epochLines = finalLines.filter((l) => /^epoch +\d+\/6  iter/.test(l));
    expect(epochLines.map((l) => Number(/iter +(\d+)/.exec(l)![1]))).toEqual([600, 1200, 1800, 2400, 3000, 3600]);
    expect(finalLines.filter((l) => l.startsWith('done: 3,600 iterations completed, test accuracy '))).toHaveLength(1);
  });
});
