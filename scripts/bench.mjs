#!/usr/bin/env node
// `npm run bench [-- --runs N] [-- --peer numpy | --peer torch | --busy | --compare DIR] [-- bp-train options]`: runs the book's protocol
// (default options: full MNIST, hidden 50, lr 0.1, batch 100, 10,000 iterations, 17
// measurements) as separate processes with --json, one after the other, and prints each run and
// the median.
//
// Times come from the run's own summary (wallMs is measured from process start, so it includes
// Node's start-up and the data loading); "exit" is the parent's clock from spawn to exit.
// "train" is the time in training steps, "eval" the time training waited for measurements:
// with more than one thread most measurements are counted alongside training (README, Speed).
// Any option other than --runs, --peer, --busy and --compare goes to bp-train unchanged, e.g.
// `npm run bench -- --backend js`.
// Measure with this, not with timed tests: other processes on the machine move the numbers.
//
// --peer numpy: each of the N runs is bp-train and then the book's NumPy program
// (scripts/peers/numpy_book.py, float64, OpenBLAS) back to back, so both see the same machine
// load. Each is measured from outside with `/usr/bin/time -f '%e %M %U %S'` (wall s and peak
// RSS of the process: "ext s" and "ext MB"), next to its own figures (wall, train, eval, load,
// RSS). "other s" is the CPU time that the rest of the machine used meanwhile (busy time from
// /proc/stat, steal included, less the program's own user + system time): near 0 for an
// undisturbed run. The NumPy program's two OpenBLAS threads wait for each other, so a few
// seconds of other load can multiply its time; compare runs whose "other s" is small.
// Without /usr/bin/time (Debian: `apt-get install -y time`) "ext s" is the parent's clock, the
// peak RSS is the programs' own (getrusage) and "other s" is not measured. Prints one table per
// program with its median, then the ratio of the medians, numpy / bp-train (above 1: bp-train
// is faster).
// The peer runs as `python3` (or $BENCH_PYTHON) without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE,
// which, where set, pin OpenBLAS to an older kernel and slow it; nothing else changes in its
// environment. --iters and --seed are passed to it too; other bp-train options are not (it
// always runs the book's network: hidden 50, lr 0.1, batch 100, full MNIST).
// BENCH_TIME=none skips /usr/bin/time (BENCH_TIME=PATH uses another GNU time).
//
// --peer torch [--config NAME]: the chapter-6 configurations of issue 12 against PyTorch
// (scripts/peers/torch_mlp.py; scripts/bench/torch-peer.mjs says how), N alternating pairs each.
//
// --busy: another process holds a core while each run is measured: a spinning `node -e
// 'for(;;);'` in a session of its own (as an editor, a browser or a CI job would be), started
// 0.2 s before the run and killed after it. The runs are the default and `--threads 1` (added
// to the other options), as N alternating pairs (the order flips from one pair to the next);
// prints each run, the medians and the ratio default / --threads 1. "spin s" is the CPU time
// the spinner got during the run; "other s" leaves it out.
// --compare DIR: N alternating pairs of DIR/bin/bp-train.js (another build, e.g. a clone of an
// earlier commit with its own `npm ci`) and this one, with the same options; prints the ratio
// this / DIR. With --busy too, each run of both has the spinner.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGnuTime, findSummary, measure, median, printPeerTable } from './bench/measure.mjs';
import { benchTorch } from './bench/torch-peer.mjs';

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  // The usage is this file's opening comment.
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  const comment = source.slice(1, source.findIndex((line, k) => k > 0 && !line.startsWith('//')));
  console.log(comment.map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}
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
let peer;
const peerAt = args.findIndex((a) => a === '--peer' || a.startsWith('--peer='));
if (peerAt >= 0) {
  const inline = args[peerAt].startsWith('--peer=');
  peer = inline ? args[peerAt].slice('--peer='.length) : args[peerAt + 1];
  if (peer !== 'numpy' && peer !== 'torch') {
    console.error(`bench: --peer knows 'numpy' and 'torch', got '${peer ?? ''}'`);
    process.exit(2);
  }
  args.splice(peerAt, inline ? 1 : 2);
}
const busyAt = args.indexOf('--busy');
const busy = busyAt >= 0;
if (busy) args.splice(busyAt, 1);
let compareDir;
const compareAt = args.indexOf('--compare');
if (compareAt >= 0) {
  compareDir = args[compareAt + 1];
  if (compareDir === undefined || !existsSync(path.join(compareDir, 'bin', 'bp-train.js'))) {
    console.error(`bench: --compare needs a directory with bin/bp-train.js (a built clone), got '${compareDir ?? ''}'`);
    process.exit(2);
  }
  args.splice(compareAt, 2);
}
if (peer !== undefined && (busy || compareDir !== undefined)) {
  console.error('bench: --peer cannot be combined with --busy or --compare');
  process.exit(2);
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
if (peer !== 'torch') console.log(`command: node bin/bp-train.js --json ${args.join(' ')}`.trimEnd());

const columns = ['run', 'wall s', 'exit s', 'train s', 'eval s', 'load s', 'RSS MB', 'train acc', 'test acc', 'backend', 'threads'];

if (peer === 'numpy') {
  comparePeer();
} else if (peer === 'torch') {
  benchTorch({ runs, args, bin });
} else if (busy || compareDir !== undefined) {
  comparePairs();
} else {
  console.log();
  benchAlone();
}

function benchAlone() {
  const rows = [];
  const summaries = [];
  for (let run = 1; run <= runs; run++) {
    const started = process.hrtime.bigint();
    const child = spawnSync(process.execPath, [bin, '--json', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const exitS = Number(process.hrtime.bigint() - started) / 1e9;
    const summary = findSummary(child.stdout);
    if (child.status !== 0 || summary === undefined) {
      console.error(`bench: run ${run} failed (exit code ${child.status})\n${child.stderr}`);
      process.exit(1);
    }
    summaries.push({ ...summary, exitS });
    rows.push(row(String(run), summary, exitS));
    printTable([rows[rows.length - 1]], run === 1);
  }

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
}

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

// ---- --peer numpy ------------------------------------------------------------------------

function comparePeer() {
  const script = fileURLToPath(new URL('./peers/numpy_book.py', import.meta.url));
  const python = process.env.BENCH_PYTHON || 'python3';
  const timeBin = findGnuTime();
  const peerArgs = [];
  const notPassed = [];
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = args[i].split(/=(.*)/s, 2);
    if (name === '--iters' || name === '--seed') {
      peerArgs.push(name, inline ?? args[++i]);
    } else if (args[i].startsWith('--')) {
      notPassed.push(args[i]);
    }
  }
  const peerEnv = { ...process.env };
  const unset = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'].filter((k) => k in peerEnv).map((k) => `${k}=${peerEnv[k]}`);
  delete peerEnv.OPENBLAS_CORETYPE;
  delete peerEnv.OPENBLAS_L2_SIZE;
  console.log(`peer:    ${unset.length > 0 ? `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ` : ''}${python} scripts/peers/numpy_book.py ${peerArgs.join(' ')}`.trimEnd());
  if (unset.length > 0) console.log(`         (the peer runs without ${unset.join(' ')})`);
  if (notPassed.length > 0) console.log(`         (not passed to the peer, which always runs the book's network: ${notPassed.join(' ')})`);
  console.log(
    `outside: ${timeBin ? `${timeBin} -f '%e %M %U %S' (ext s: elapsed, ext MB: peak RSS; other s: CPU time used by other processes meanwhile)` : "the parent's clock (ext s); no GNU time, so peak RSS is each program's own"}`,
  );
  console.log();

  const ours = [];
  const theirs = [];
  for (let run = 1; run <= runs; run++) {
    const a = measure(`bp-train run ${run}`, process.execPath, [bin, '--json', ...args], process.env, timeBin);
    ours.push(a);
    const b = measure(`numpy run ${run}`, python, [script, ...peerArgs], peerEnv, timeBin);
    theirs.push(b);
    const other = (r) => (r.otherS === undefined ? '' : ` (other load ${r.otherS.toFixed(1)} s)`);
    console.log(
      `run ${run}/${runs}: bp-train ${a.extS.toFixed(2)} s, ${a.extMb ?? a.summary.peakRssMb} MB${other(a)}; ` +
        `numpy ${b.extS.toFixed(2)} s, ${b.extMb ?? b.summary.peakRssMb} MB${other(b)}`,
    );
  }
  console.log();

  const last = theirs[theirs.length - 1].summary;
  const blas = last.blas ?? {};
  console.log(`bp-train (node ${process.version})`);
  const oursMed = printPeerTable(ours, (s) => [s.backend, String(s.threads ?? 1)]);
  console.log();
  console.log(
    `numpy ${last.numpy} (python ${last.python}, ${blas.name ?? 'BLAS'} ${blas.version ?? ''}, core type ${blas.coretype ?? blas.threadpools?.[0]?.architecture ?? '?'})`,
  );
  const theirsMed = printPeerTable(theirs, (s) => [
    `numpy/${s.blas?.coretype ?? s.blas?.threadpools?.[0]?.architecture ?? '?'}`,
    String(s.blas?.threads ?? s.blas?.threadpools?.[0]?.num_threads ?? '?'),
  ]);
  console.log();
  const ratio = (key) => (theirsMed[key] / oursMed[key]).toFixed(2);
  console.log(
    `ratio of medians, numpy / bp-train: wall ${ratio('extS')}x (${timeBin ? 'outside' : "parent's clock"}), ` +
      `own wall ${ratio('wallMs')}x, train ${ratio('trainMs')}x, eval ${ratio('evalMs')}x, peak RSS ${ratio('rssMb')}x`,
  );
  console.log(
    `medians: bp-train ${oursMed.extS.toFixed(2)} s, ${oursMed.rssMb} MB; numpy ${theirsMed.extS.toFixed(2)} s, ${theirsMed.rssMb} MB`,
  );
}

// ---- --busy, --compare DIR ---------------------------------------------------------------

// A process that keeps one core busy: `node -e 'for(;;);'` in a session of its own (detached),
// as a program the user runs beside bp-train would be. stop() kills it by its pid.
function startSpinner() {
  const child = spawn(process.execPath, ['-e', 'for(;;);'], { detached: true, stdio: 'ignore' });
  child.unref();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // until it spins
  return {
    // Its CPU seconds so far (utime + stime from /proc/PID/stat, in USER_HZ, 100 per second).
    cpuS() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return undefined;
      }
    },
    stop() {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

function comparePairs() {
  const timeBin = findGnuTime();
  const other = compareDir !== undefined ? path.resolve(compareDir, 'bin', 'bp-train.js') : undefined;
  // [label, bp-train script, its arguments]: A then B; the ratio is A / B.
  const [a, b] =
    other !== undefined
      ? [
          ['this', bin, ['--json', ...args]],
          ['compare', other, ['--json', ...args]],
        ]
      : [
          ['default', bin, ['--json', ...args]],
          ['threads 1', bin, ['--json', ...args, '--threads', '1']],
        ];
  console.log(`A: ${a[0]}: node ${path.relative(process.cwd(), a[1]) || a[1]} ${a[2].join(' ')}`);
  console.log(`B: ${b[0]}: node ${path.relative(process.cwd(), b[1]) || b[1]} ${b[2].join(' ')}`);
  console.log(
    `${runs} alternating pairs (AB, BA, AB, ...)${busy ? `; during each run a spinning process (node -e 'for(;;);', own session) holds a core` : ', nothing else started'}`,
  );
  console.log(
    `outside: ${timeBin ? `${timeBin} -f '%e %M %U %S' (ext s: elapsed; cpu s: user + system; other s: CPU time of the rest of the machine meanwhile${busy ? ', the spinner left out' : ''})` : "the parent's clock (ext s); no GNU time, so no cpu s or other s"}`,
  );
  console.log();
  const results = { A: [], B: [] };
  for (let pair = 1; pair <= runs; pair++) {
    const order = pair % 2 === 1 ? [['A', a], ['B', b]] : [['B', b], ['A', a]];
    for (const [key, [label, script, argv]] of order) {
      const spinner = busy ? startSpinner() : undefined;
      let r;
      try {
        r = measure(`${label} (pair ${pair})`, process.execPath, [script, ...argv], process.env, timeBin, spinner);
      } finally {
        spinner?.stop();
      }
      results[key].push(r);
      const f = (x, d = 2) => (x === undefined ? '-' : x.toFixed(d));
      console.log(
        `pair ${pair}, ${key} (${label}): ext ${f(r.extS)} s, train ${f(r.summary.trainMs / 1000)} s, eval ${f(r.summary.evalMs / 1000)} s, ` +
          `cpu ${f(r.cpuS)} s, other ${f(r.otherS, 1)} s${busy ? `, spin ${f(r.spinS, 1)} s` : ''}, test acc ${r.summary.testAcc.toFixed(4)}, threads ${r.summary.threads ?? 1}`,
      );
    }
  }
  console.log();
  const cols = ['run', 'wall s', 'ext s', 'train s', 'eval s', 'cpu s', 'other s', ...(busy ? ['spin s'] : []), 'RSS MB', 'test acc', 'threads'];
  const sec = (ms) => (ms / 1000).toFixed(2);
  const f = (x, d = 2) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d));
  const line = (label, r) => [
    label,
    sec(r.wallMs),
    f(r.extS),
    sec(r.trainMs),
    sec(r.evalMs),
    f(r.cpuS),
    f(r.otherS, 1),
    ...(busy ? [f(r.spinS, 1)] : []),
    String(r.rssMb),
    r.testAcc.toFixed(4),
    String(r.threads ?? 1),
  ];
  const flat = (r) => ({ ...r, ...r.summary, rssMb: r.extMb ?? r.summary.peakRssMb });
  const medians = {};
  for (const [key, [label]] of [['A', a], ['B', b]]) {
    const rs = results[key].map(flat);
    const pick = (k) => (rs.some((r) => r[k] === undefined) ? undefined : median(rs.map((r) => r[k])));
    medians[key] = Object.fromEntries(['wallMs', 'extS', 'trainMs', 'evalMs', 'cpuS', 'otherS', 'spinS', 'rssMb'].map((k) => [k, pick(k)]));
    Object.assign(medians[key], { testAcc: rs[rs.length - 1].testAcc, threads: rs[rs.length - 1].threads });
    const lines = [...rs.map((r, i) => line(String(i + 1), r)), line('median', medians[key])];
    const widths = cols.map((c, i) => Math.max(c.length, 7, ...lines.map((l) => l[i].length)));
    const format = (cells) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
    console.log(`${key}: ${label}`);
    console.log(format(cols));
    lines.slice(0, -1).forEach((l) => console.log(format(l)));
    console.log('-'.repeat(widths.reduce((x, y) => x + y + 2, -2)));
    console.log(format(lines[lines.length - 1]));
    console.log();
  }
  const ratios = results.A.map((r, i) => r.extS / results.B[i].extS);
  console.log(
    `ratio ${a[0]} / ${b[0]} (ext s): of the medians ${(medians.A.extS / medians.B.extS).toFixed(3)}, median of the pairs' ${median(ratios).toFixed(3)} ` +
      `(pairs: ${ratios.map((x) => x.toFixed(2)).join(' ')}); cpu s ${medians.A.cpuS !== undefined ? (medians.A.cpuS / medians.B.cpuS).toFixed(2) : '-'}`,
  );
}

