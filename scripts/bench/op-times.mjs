#!/usr/bin/env node
// `node scripts/bench/op-times.mjs [deep-adam|compare|bn] [--steps N]` (after `npm run build`):
// where a shared training step's time goes, op by op and thread by thread, for one of issue
// 12's chapter-6 configurations on full MNIST with 2 threads (the default: deep-adam).
//
// It builds an *instrumented* copy of the wasm program in a temporary folder: src/wasm's
// program.as.ts with a clock call (performance.now, imported) before each op of a step, adding
// the op's time into a table per thread, and another around a helper's wait for the next
// command. The copy runs with a copy of dist/ whose loader passes that clock; nothing in the
// project changes. The clock calls add about 0.1 us an op. Each op's time is the mean over N
// steps (default 2,000, after 300 to warm up); a BARRIER's time is how long that thread waited
// there for the other one: the price of splitting each layer's columns between the threads.
// Measure with this, not with timed tests: other processes on the machine move the numbers.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIGS = {
  'deep-adam': { hidden: [100, 100], optimizer: 'adam', lr: 0.001, batch: 100, extra: {} },
  compare: { hidden: [100, 100, 100, 100], optimizer: 'sgd', lr: 0.01, batch: 128, extra: {} },
  bn: { hidden: [100, 100, 100, 100, 100], optimizer: 'sgd', lr: 0.1, batch: 100, extra: { useBatchnorm: true, useDropout: true, dropoutRatio: 0.2 } },
};
/** Slots of the table per thread: one an op index, the last the helper's wait between steps. */
const SLOTS = 128;

const args = process.argv.slice(2);
const stepsAt = args.indexOf('--steps');
const STEPS = stepsAt < 0 ? 2000 : Number(args.splice(stepsAt, 2)[1]);
const name = args[0] ?? 'deep-adam';
const config = CONFIGS[name];
if (config === undefined || !Number.isInteger(STEPS) || STEPS < 1) {
  console.error(`op-times: usage: op-times.mjs [${Object.keys(CONFIGS).join('|')}] [--steps N]`);
  process.exit(2);
}

/** Replaces `from` with `to` in text, or stops: the instrumentation must match today's source. */
function patch(text, from, to, file) {
  if (!text.includes(from)) {
    console.error(`op-times: ${file} no longer has the line it instruments: ${from.split('\n')[0].trim()}`);
    process.exit(1);
  }
  return text.replace(from, to);
}

function instrumentedCopy(dir) {
  cpSync(path.join(ROOT, 'src/wasm'), path.join(dir, 'wasm'), { recursive: true });
  const program = path.join(dir, 'wasm/program.as.ts');
  let source = readFileSync(program, 'utf8');
  source = patch(source, "export { encodeSparse, fillScaleTable } from './sparse.as';", `export { encodeSparse, fillScaleTable } from './sparse.as';
// @ts-ignore: decorator
@external("env", "now") declare function now(): f64;
const TIMES = memory.data(2 * ${SLOTS} * 16, 16);
export function timesAddr(): usize { return TIMES; }
// @ts-ignore: decorator
@inline function addTime(thread: i32, slot: i32, ms: f64): void {
  const e = TIMES + <usize>(thread * ${SLOTS} + slot) * 16;
  store<f64>(e, load<f64>(e) + ms);
}`, 'program.as.ts');
  source = patch(source, `  for (let op = stepProgram(); ; op = next(op)) {
    const code = load<i32>(op);`, `  let index = 0;
  let t0 = now();
  for (let op = stepProgram(); ; op = next(op), index++) {
    const t1 = now();
    if (index > 0) addTime(thread, index - 1, t1 - t0);
    t0 = t1;
    const code = load<i32>(op);
    store<i32>(TIMES + <usize>(thread * ${SLOTS} + index) * 16 + 8, code);`, 'program.as.ts');
  source = patch(source, '    seen = waitForChange(team, team + TEAM_SEQ, seen);', `    const w0 = now();
    seen = waitForChange(team, team + TEAM_SEQ, seen);
    addTime(thread, ${SLOTS - 1}, now() - w0);`, 'program.as.ts');
  writeFileSync(program, source);

  const root = path.join(dir, 'root');
  cpSync(path.join(ROOT, 'dist'), path.join(root, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'build'), path.join(root, 'build'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'));
  const loader = path.join(root, 'dist/engine/program-memory.js');
  writeFileSync(loader, patch(readFileSync(loader, 'utf8'), '{ env: { memory } }', '{ env: { memory, now: () => performance.now() } }', 'dist/engine/program-memory.js'));
  const asc = path.join(ROOT, 'node_modules/.bin/asc');
  const flags = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd,threads', '--importMemory', '--sharedMemory', '--initialMemory', '512', '--maximumMemory', '32767'];
  execFileSync(asc, [program, '--outFile', path.join(root, 'build/program.wasm'), ...flags], { stdio: 'inherit' });
  return root;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'bp-train-op-times-'));
try {
  const root = instrumentedCopy(dir);
  const from = (file) => import(pathToFileURL(path.join(root, 'dist', file)).href);
  const { loadDataset } = await from('data/sources.js');
  const { Random } = await from('data/random.js');
  const { setBackend } = await from('kernels/backend.js');
  const { MultiLayerNet } = await from('network/multi-layer-net.js');
  const { WasmProgram } = await from('engine/wasm-program.js');
  const OPS = readFileSync(path.join(ROOT, 'src/wasm/layout.as.ts'), 'utf8').matchAll(/export const OP_([A-Z_]+): i32 = (\d+);/g);
  const opName = new Map([...OPS].map((m) => [Number(m[2]), m[1]]));

  setBackend('wasm');
  const { train } = loadDataset('mnist');
  const spec = { inputSize: 784, hiddenSizeList: config.hidden, outputSize: 10, ...config.extra };
  const net = new MultiLayerNet({ ...spec, weightInitStd: 'he', seed: 1 });
  const program = new WasmProgram({ ...spec, optimizer: config.optimizer, hyper: { lr: config.lr }, maxBatch: config.batch, pace: false });
  program.setParams(Object.fromEntries(Object.entries(net.params).map(([k, m]) => [k, m.data])));
  await program.useThreads(2);
  const sampler = new Random(7);
  const batch = new Int32Array(config.batch);
  const nextBatch = () => {
    for (let r = 0; r < batch.length; r++) batch[r] = sampler.nextInt(train.count);
    return batch;
  };
  for (let s = 0; s < 300; s++) program.step(train, nextBatch());
  // The program's memory is a private field of WasmProgram: read here for measuring only.
  const memory = program.memory;
  const table = memory.exports.timesAddr();
  memory.u8(table, 2 * SLOTS * 16).fill(0);
  const t0 = performance.now();
  for (let s = 0; s < STEPS; s++) program.step(train, nextBatch());
  const stepMs = (performance.now() - t0) / STEPS;
  const view = new DataView(memory.u8(table, 2 * SLOTS * 16).slice().buffer);
  const us = (thread, slot) => (view.getFloat64((thread * SLOTS + slot) * 16, true) / STEPS) * 1000;
  const code = (slot) => view.getInt32(slot * 16 + 8, true);

  console.log(`${name}: 784-${config.hidden.join('-')}-10 ${config.optimizer}, batch ${config.batch}, 2 threads, ${STEPS} shared steps: ${(stepMs * 1000).toFixed(1)} us a step`);
  console.log('  op                    thread 0 us  thread 1 us');
  const total = [0, 0];
  const waits = [0, 0];
  for (let slot = 0; slot < SLOTS - 1 && opName.get(code(slot)) !== 'END'; slot++) {
    const times = [us(0, slot), us(1, slot)];
    const op = opName.get(code(slot)) ?? String(code(slot));
    for (const t of [0, 1]) {
      total[t] += times[t];
      if (op === 'BARRIER') waits[t] += times[t];
    }
    console.log(`  ${String(slot).padStart(2)} ${op.padEnd(18)} ${times[0].toFixed(1).padStart(11)} ${times[1].toFixed(1).padStart(12)}`);
  }
  const share = (t) => `${waits[t].toFixed(1)} us (${((100 * waits[t]) / total[t]).toFixed(1)}%)`;
  console.log(`  in the step: ${total[0].toFixed(1)} us and ${total[1].toFixed(1)} us; waiting at barriers: thread 0 ${share(0)}, thread 1 ${share(1)}`);
  console.log(`  the helper's wait for the next step: ${us(1, SLOTS - 1).toFixed(1)} us a step`);
  await program.release();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
