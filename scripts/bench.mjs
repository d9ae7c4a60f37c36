#!/usr/bin/env node
// `npm run bench [-- --runs N] [-- bp-train options]`: runs the book's protocol (default
// options: full MNIST, hidden 50, lr 0.1, batch 100, 10,000 iterations, 17 measurements) as
// separate processes with --json, one after the other, and prints each run and the median.
//
// Times come from the run's own summary (wallMs is measured from process start, so it includes
// Node's start-up and the data loading); "exit" is the parent's clock from spawn to exit.
// Any option other than --runs goes to bp-train unchanged, e.g. `npm run bench -- --backend js`.
// Measure with this, not with timed tests: other processes on the machine move the numbers.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let runs = 3;
const runsAt = args.indexOf('--runs');
if (runsAt >= 0) {
  runs = Number(args[runsAt + 1]);
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`bench: --runs needs a positive integer, got '${args[runsAt + 1]}'`);
    process.exit(2);
  }
  args.splice(runsAt, 2);
}

const bin = fileURLToPath(new URL('../bin/bp-train.js', import.meta.url));
const cpu = (() => {
  try {
    return /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
})();
console.log(`machine: ${cpu}, ${os.availableParallelism()} cores, node ${process.version}, ${os.platform()} ${os.arch()}`);
console.log(`command: node bin/bp-train.js --json ${args.join(' ')}`.trimEnd());
console.log();

const columns = ['run', 'wall s', 'exit s', 'train s', 'eval s', 'load s', 'RSS MB', 'train acc', 'test acc', 'backend', 'threads'];
const rows = [];
const summaries = [];
for (let run = 1; run <= runs; run++) {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [bin, '--json', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const exitS = Number(process.hrtime.bigint() - started) / 1e9;
  const summary = child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .find((event) => event.event === 'summary');
  if (child.status !== 0 || summary === undefined) {
    console.error(`bench: run ${run} failed (exit code ${child.status})\n${child.stderr}`);
    process.exit(1);
  }
  summaries.push({ ...summary, exitS });
  rows.push(row(String(run), summary, exitS));
  printTable([rows[rows.length - 1]], run === 1);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const pick = (key) => median(summaries.map((s) => s[key]));
const last = summaries[summaries.length - 1];
console.log('-'.repeat(100));
printTable(
  [
    row(
      'median',
      {
        wallMs: pick('wallMs'),
        trainMs: pick('trainMs'),
        evalMs: pick('evalMs'),
        loadMs: pick('loadMs'),
        peakRssMb: pick('peakRssMb'),
        trainAcc: pick('trainAcc'),
        testAcc: pick('testAcc'),
        backend: last.backend,
        threads: last.threads,
      },
      pick('exitS'),
    ),
  ],
  false,
);

function row(label, s, exitS) {
  const sec = (ms) => (ms / 1000).toFixed(2);
  return [label, sec(s.wallMs), exitS.toFixed(2), sec(s.trainMs), sec(s.evalMs), sec(s.loadMs), String(s.peakRssMb), s.trainAcc.toFixed(4), s.testAcc.toFixed(4), s.backend, String(s.threads ?? 1)];
}

function printTable(lines, header) {
  const widths = columns.map((c) => Math.max(c.length, 7));
  const format = (cells) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  if (header) console.log(format(columns));
  for (const line of lines) console.log(format(line));
}
