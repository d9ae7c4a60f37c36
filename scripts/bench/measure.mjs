// What the benchmark scripts share: running a program under GNU time, reading its JSON summary,
// the CPU time the rest of the machine used meanwhile, medians, and the table of a peer's runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// GNU time's output: elapsed s, peak RSS KiB, user s, system s (of the measured process).
export const TIME_FORMAT = '%e %M %U %S';

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export function findSummary(stdout) {
  return (stdout ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .find((event) => event.event === 'summary');
}

// `/usr/bin/time` (or $BENCH_TIME) if it is GNU time, which knows -f and -o; else undefined.
export function findGnuTime() {
  const candidate = process.env.BENCH_TIME ?? '/usr/bin/time';
  if (candidate === 'none' || candidate === '' || !existsSync(candidate)) return undefined;
  const out = path.join(os.tmpdir(), `bp-train-bench-${process.pid}-probe.txt`);
  try {
    const probe = spawnSync(candidate, ['-f', TIME_FORMAT, '-o', out, process.execPath, '-e', '0'], { encoding: 'utf8' });
    return probe.status === 0 && parseTime(readFileSync(out, 'utf8')) !== undefined ? candidate : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(out, { force: true });
  }
}

// GNU time's output file: maybe "Command exited with non-zero status N", then TIME_FORMAT.
export function parseTime(text) {
  const lines = text.trim().split('\n');
  const m = /^(\d+(?:\.\d+)?) (\d+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)$/.exec(lines[lines.length - 1].trim());
  return m ? { elapsedS: Number(m[1]), maxRssKb: Number(m[2]), cpuS: Number(m[3]) + Number(m[4]) } : undefined;
}

// CPU seconds the whole machine has spent busy (all but idle and iowait; steal counts as busy),
// from /proc/stat in USER_HZ (100 per second on Linux); undefined where there is no /proc/stat.
export function machineBusyS() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return undefined;
  }
}

export function measure(label, command, argv, env, timeBin, spinner) {
  const out = path.join(os.tmpdir(), `bp-train-bench-${process.pid}-time.txt`);
  const [file, fileArgs] = timeBin ? [timeBin, ['-f', TIME_FORMAT, '-o', out, command, ...argv]] : [command, argv];
  const spinBefore = spinner?.cpuS();
  const busyBefore = machineBusyS();
  const started = process.hrtime.bigint();
  const child = spawnSync(file, fileArgs, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  const exitS = Number(process.hrtime.bigint() - started) / 1e9;
  const busyAfter = machineBusyS();
  const spinS = spinner === undefined ? 0 : (spinner.cpuS() ?? NaN) - (spinBefore ?? NaN);
  let timed;
  if (timeBin) {
    try {
      timed = parseTime(readFileSync(out, 'utf8'));
    } catch {
      timed = undefined;
    }
    rmSync(out, { force: true });
  }
  const summary = child.status === 0 ? findSummary(child.stdout) : undefined;
  if (summary === undefined) {
    console.error(`bench: ${label} failed (exit code ${child.status}${child.error ? `, ${child.error.message}` : ''})\n${child.stderr ?? ''}`);
    process.exit(1);
  }
  return {
    summary,
    exitS,
    extS: timed?.elapsedS ?? exitS,
    extMb: timed ? Math.round(timed.maxRssKb / 1024) : undefined,
    cpuS: timed?.cpuS,
    spinS: spinner === undefined ? undefined : spinS,
    otherS:
      timed && busyBefore !== undefined && busyAfter !== undefined
        ? Math.max(0, busyAfter - busyBefore - timed.cpuS - spinS)
        : undefined,
  };
}

// One table: each run, then the medians (returned, for the ratio).
export function printPeerTable(results, tail) {
  const cols = ['run', 'wall s', 'ext s', 'train s', 'eval s', 'load s', 'RSS MB', 'ext MB', 'other s', 'train acc', 'test acc', 'backend', 'threads'];
  const sec = (ms) => (ms / 1000).toFixed(2);
  const line = (label, r, s) => [
    label,
    sec(s.wallMs),
    r.extS.toFixed(2),
    sec(s.trainMs),
    sec(s.evalMs),
    sec(s.loadMs),
    String(s.peakRssMb),
    r.extMb === undefined ? '-' : String(r.extMb),
    r.otherS === undefined ? '-' : r.otherS.toFixed(1),
    s.trainAcc.toFixed(4),
    s.testAcc.toFixed(4),
    ...tail(s),
  ];
  const pick = (f) => median(results.map(f));
  const med = {
    extS: pick((r) => r.extS),
    extMb: results[0].extMb === undefined ? undefined : pick((r) => r.extMb),
    otherS: results[0].otherS === undefined ? undefined : pick((r) => r.otherS),
    wallMs: pick((r) => r.summary.wallMs),
    trainMs: pick((r) => r.summary.trainMs),
    evalMs: pick((r) => r.summary.evalMs),
    loadMs: pick((r) => r.summary.loadMs),
    peakRssMb: pick((r) => r.summary.peakRssMb),
    trainAcc: pick((r) => r.summary.trainAcc),
    testAcc: pick((r) => r.summary.testAcc),
  };
  med.rssMb = med.extMb ?? med.peakRssMb;
  const lines = [
    ...results.map((r, i) => line(String(i + 1), r, r.summary)),
    line('median', med, { ...results[results.length - 1].summary, ...med }),
  ];
  const widths = cols.map((c, i) => Math.max(c.length, 7, ...lines.map((l) => l[i].length)));
  const format = (cells) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  console.log(format(cols));
  lines.slice(0, -1).forEach((l) => console.log(format(l)));
  console.log('-'.repeat(widths.reduce((a, b) => a + b + 2, -2)));
  console.log(format(lines[lines.length - 1]));
  return med;
}
