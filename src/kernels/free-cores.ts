/**
 * How many cores other processes leave free, measured from the moment this module was loaded
 * (the start of a CLI run) to the call: the wasm program's team of threads (engine/team-size.ts) takes no
 * more threads than that. Threads that share a step wait for each other three times a step; a
 * core that another process holds (an editor building, a browser, a shared CI runner) turns
 * those waits into a crawl, so then one thread is faster than two. The pacer (team-pacer.ts)
 * handles load that comes later in the run; this handles the load that is there from the start.
 *
 * Others' load = busy CPU time of the whole machine (Linux /proc/stat, all cores) less this
 * process's own CPU time (process.cpuUsage, all its threads), over the same wall-clock window,
 * in cores. Free cores = cores - round(others' load), at least 1. Where /proc/stat cannot be
 * read (not Linux), every core counts as free.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Clock ticks per second of /proc/stat's counters (USER_HZ, 100 on every Linux build in use). */
const TICKS_PER_SECOND = 100;
/** The shortest window worth a measurement: shorter ones wait for the rest (a few ticks). */
const MIN_WINDOW_MS = 60;

export interface LoadSample {
  /** Wall clock, ms. */
  atMs: number;
  /** Busy ticks of the whole machine (the "cpu" line: all but idle and iowait), or null if unknown. */
  busyTicks: number | null;
  /** This process's CPU time (user + system, all threads), ms. */
  ownMs: number;
}

/** Busy ticks from the first ("cpu") line of /proc/stat: user nice system idle iowait irq softirq steal. */
export function busyTicksOf(procStat: string): number | null {
  const first = procStat.split('\n', 1)[0];
  if (!first.startsWith('cpu ')) return null;
  const fields = first.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((v) => !Number.isFinite(v))) return null;
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user + nice + system + irq + softirq + steal;
}

export function sampleLoad(): LoadSample {
  let busyTicks: number | null = null;
  try {
    busyTicks = busyTicksOf(readFileSync('/proc/stat', 'utf8'));
  } catch {
    busyTicks = null;
  }
  const { user, system } = process.cpuUsage();
  return { atMs: performance.now(), busyTicks, ownMs: (user + system) / 1000 };
}

/** Cores the other processes left free between two samples (at least 1, at most `cores`). */
export function freeCoresBetween(a: LoadSample, b: LoadSample, cores: number): number {
  const windowMs = b.atMs - a.atMs;
  if (a.busyTicks === null || b.busyTicks === null || !(windowMs > 0)) return cores;
  const busyMs = ((b.busyTicks - a.busyTicks) * 1000) / TICKS_PER_SECOND;
  const othersCores = Math.max(0, busyMs - (b.ownMs - a.ownMs)) / windowMs;
  return Math.max(1, Math.min(cores, cores - Math.round(othersCores)));
}

let since = sampleLoad();

/** Free cores since this module was loaded or since the last call (waits for a window of 60 ms at least). */
export function freeCores(cores = availableParallelism()): number {
  const wait = MIN_WINDOW_MS - (performance.now() - since.atMs);
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  const now = sampleLoad();
  const free = freeCoresBetween(since, now, cores);
  since = now;
  return free;
}
