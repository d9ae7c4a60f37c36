#!/usr/bin/env node
// `node scripts/bench-program.mjs [--rounds N] [--only NAME] [--pace]` (after `npm run build`): the time
// per training step and per count of the wasm program (src/engine/wasm-program.ts) on full
// MNIST:
//   default    784-50-10 ReLU SGD lr 0.1, batch 100 (the book's run), 1 and 2 threads
//   deep-adam  784-100-100-10 ReLU Adam lr 0.001, batch 100 (issue 12's target), 1 and 2 threads
//   breakdown  where a deep-adam step's time goes (nets that differ in one part, one thread)
// and the target's whole budget: 10,000 Adam steps and 17 counts of the 70,000 images, in line
// and (2 threads) alongside the steps.
// Each figure is the median (and the least) over rounds of blocks of steps. GFLOP/s count multiply-adds as 2 flops, over the
// nonzero pixels only for the first layer (the average of the training images), biases,
// activations, softmax and the optimizer aside.
// Measure with this, not with timed tests: other processes on the machine move the numbers.
import { loadDataset } from '../dist/data/sources.js';
import { Random } from '../dist/data/random.js';
import { setBackend } from '../dist/kernels/backend.js';
import { MultiLayerNet } from '../dist/network/multi-layer-net.js';
import { WasmProgram } from '../dist/engine/wasm-program.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args[at + 1];
};
const ROUNDS = Number(option('--rounds', 5));
// --pace: let the pacer take steps alone when sharing does not pay (as training would); by
// default every step with helpers is shared, so that the figures are those of shared steps.
const PACE = args.includes('--pace');
const ONLY = option('--only', null);
const STEPS = 500;

setBackend('wasm');
const { train, test } = loadDataset('mnist');
const D = 784;
let nonzero = 0;
for (let i = 0; i < train.images.length; i++) if (train.images[i] !== 0) nonzero++;
const nnz = nonzero / train.count;
console.log(`MNIST: ${train.count} + ${test.count} images, ${nnz.toFixed(1)} nonzero pixels an image on average`);

/** Multiply-adds x 2 of one image's step (forward and backward) and of its count. */
function flops(sizes) {
  let step = 4 * nnz * sizes[1];
  let count = 2 * nnz * sizes[1];
  for (let k = 2; k < sizes.length; k++) {
    step += 6 * sizes[k - 1] * sizes[k];
    count += 2 * sizes[k - 1] * sizes[k];
  }
  return { step, count };
}

/** With helpers, how many of the program's steps so far were shared (the pacer takes them alone when sharing does not pay). */
const shares = (program) => (program.threads > 1 ? ` (steps shared ${program.teamSteps.shared}, alone ${program.teamSteps.alone})` : '');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sampler = new Random(7);
const batch = new Int32Array(100);
const nextBatch = () => {
  for (let r = 0; r < batch.length; r++) batch[r] = sampler.nextInt(train.count);
  return batch;
};

function initialParams(hidden) {
  const net = new MultiLayerNet({ inputSize: D, hiddenSizeList: hidden, outputSize: 10, weightInitStd: hidden.length === 1 ? 0.01 : 'he', seed: 1 });
  return Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, m.data]));
}

/** ms per step of `step()` over STEPS steps. */
function timeSteps(step) {
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) step(nextBatch());
  return (performance.now() - t0) / STEPS;
}

function timeCount(count) {
  const t0 = performance.now();
  let correct = 0;
  for (const split of [train, test]) for (let first = 0; first < split.count; first += 10000) correct += count(split, first, Math.min(10000, split.count - first));
  return { ms: performance.now() - t0, correct };
}

/** A figure: the median and the least of the rounds (the least is the one least disturbed by other processes). */
const report = (what, all, perImageFlops, images) => {
  const ms = median(all);
  const least = Math.min(...all);
  const gflops = (t) => ((perImageFlops * images) / t / 1e6).toFixed(1).padStart(5);
  console.log(`  ${what.padEnd(30)} ${ms.toFixed(4).padStart(9)} ms (least ${least.toFixed(4)})  ${gflops(ms)} GFLOP/s (${gflops(least)})`);
};

async function defaultSpec(threads) {
  const hidden = [50];
  const { step: stepFlops, count: countFlops } = flops([D, 50, 10]);
  const program = new WasmProgram({ inputSize: D, hiddenSizeList: hidden, outputSize: 10, optimizer: 'sgd', hyper: { lr: 0.1 }, maxBatch: 100, pace: PACE });
  program.setParams(initialParams(hidden));
  await program.useThreads(threads);
  const s = [];
  const c = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const a = timeSteps((rows) => program.step(train, rows));
    const b = timeCount((split, first, count) => program.countCorrect(split, first, count)).ms;
    if (round === 0) continue; // warm-up
    s.push(a);
    c.push(b);
  }
  console.log(`784-50-10 ReLU SGD lr 0.1, batch 100, ${threads} thread${threads > 1 ? 's' : ''}${shares(program)}:`);
  report('step, program', s, stepFlops, 100);
  report('count 70,000 images, program', c, countFlops, 70000);
  await program.release();
}

async function deepAdam(threads) {
  const hidden = [100, 100];
  const { step: stepFlops, count: countFlops } = flops([D, 100, 100, 10]);
  const program = new WasmProgram({ inputSize: D, hiddenSizeList: hidden, outputSize: 10, optimizer: 'adam', hyper: { lr: 0.001 }, maxBatch: 100, pace: PACE });
  program.setParams(initialParams(hidden));
  await program.useThreads(threads);
  const s = [];
  const c = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const a = timeSteps((rows) => program.step(train, rows));
    const b = timeCount((split, first, count) => program.countCorrect(split, first, count)).ms;
    if (round === 0) continue;
    s.push(a);
    c.push(b);
  }
  console.log(`784-100-100-10 ReLU Adam lr 0.001, batch 100, ${threads} thread${threads > 1 ? 's' : ''}${shares(program)}:`);
  report('step, program', s, stepFlops, 100);
  report('count 70,000 images, program', c, countFlops, 70000);
  for (const alongside of threads > 1 ? [false, true] : [false]) {
    program.setParams(initialParams(hidden));
    program.loadOptimizerState({ scalars: { t: 0 }, tensors: {} });
    budget(program, alongside);
  }
  await program.release();
}

/**
 * The whole budget of issue 12: 10,000 steps and 17 counts of both splits (after every 600
 * steps and at the end), in line, or (`alongside`) all but the last by the helpers on a copy of
 * the weights while this thread steps alone (as the program engine measures).
 */
function budget(program, alongside) {
  const t0 = performance.now();
  let inLine = 0;
  let pending = false;
  let last = null;
  for (let i = 1; i <= 10000; i++) {
    program.step(train, nextBatch());
    if (pending && program.takeCounts() !== null) pending = false;
    if (i % 600 !== 0 && i !== 10000) continue;
    if (pending) {
      program.takeCounts(true);
      pending = false;
    }
    if (alongside && i !== 10000 && program.startCounts([train, test])) {
      pending = true;
      continue;
    }
    const t = performance.now();
    last = timeCount((split, first, count) => program.countCorrect(split, first, count));
    inLine += performance.now() - t;
  }
  const total = performance.now() - t0;
  const what = alongside ? 'counts alongside' : 'counts in line';
  console.log(`  10,000 steps + 17 counts, ${what}${shares(program)}: ${(total / 1000).toFixed(2)} s (counts in line ${(inLine / 1000).toFixed(2)} s); last count ${last.correct} of 70,000`);
}

/**
 * Where a deep-adam step's time goes, on one thread: the step of nets that differ in one part,
 * alternating, each part's cost the difference of two medians:
 *   784-100-10 SGD (the first layer, its sparse forward and dW1 from the pixel lists, and the
 *   softmax layer) | + a 100 x 100 layer (784-100-100-10 SGD) | Adam's update instead of SGD's
 *   (784-100-100-10 Adam: dense dW1 stored, then the update of every parameter).
 */
async function breakdown() {
  const nets = [
    ['784-100-10 sgd', [100], 'sgd', 0.1],
    ['784-100-100-10 sgd', [100, 100], 'sgd', 0.1],
    ['784-100-100-10 adam', [100, 100], 'adam', 0.001],
  ];
  const programs = nets.map(([, hidden, optimizer, lr]) => {
    const program = new WasmProgram({ inputSize: D, hiddenSizeList: hidden, outputSize: 10, optimizer, hyper: { lr }, maxBatch: 100 });
    program.setParams(initialParams(hidden));
    return program;
  });
  const times = nets.map(() => []);
  for (let round = 0; round < ROUNDS + 1; round++) {
    programs.forEach((program, k) => {
      const ms = timeSteps((rows) => program.step(train, rows));
      if (round > 0) times[k].push(ms);
    });
  }
  const m = times.map(median);
  console.log('where a 784-100-100-10 Adam step goes (1 thread, medians):');
  console.log(`  first layer and softmax layer (784-100-10 SGD step)   ${m[0].toFixed(4)} ms`);
  console.log(`  + the 100 x 100 layer, forward and backward             ${(m[1] - m[0]).toFixed(4)} ms`);
  console.log(`  + Adam instead of SGD (dW1 stored, every weight's m, v)  ${(m[2] - m[1]).toFixed(4)} ms`);
  console.log(`  = 784-100-100-10 Adam step                               ${m[2].toFixed(4)} ms`);
  for (const program of programs) await program.release();
}

for (const threads of [1, 2]) {
  if (ONLY === null || ONLY === 'default') await defaultSpec(threads);
  if (ONLY === null || ONLY === 'deep-adam') await deepAdam(threads);
}
if (ONLY === null || ONLY === 'breakdown') await breakdown();
