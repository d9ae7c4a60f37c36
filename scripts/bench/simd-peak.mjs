// This machine's 128-bit SIMD peak, measured (simd-peak.as.ts, compiled here with the
// project's AssemblyScript): one core's rate of f32x4 multiply-add pairs, 8 flops each (4
// lanes x a multiply and an add), best of several runs, times the cores.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('./simd-peak.as.ts', import.meta.url));
const ASC = fileURLToPath(new URL('../../node_modules/.bin/asc', import.meta.url));

/** { perCore, gflops } in GFLOP/s, or undefined when the kernel cannot be built here. */
export function measureSimdPeak() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bp-train-peak-'));
  try {
    const out = path.join(dir, 'peak.wasm');
    execFileSync(ASC, [SOURCE, '--outFile', out, '-O3', '--runtime', 'stub', '--enable', 'simd'], { stdio: 'ignore' });
    const { run } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(out))).exports;
    const rounds = 20_000_000;
    run(1000, 1); // warm-up (tier-up)
    let best = Infinity;
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      run(rounds, k);
      best = Math.min(best, performance.now() - t0);
    }
    const perCore = (rounds * 8 * 8) / best / 1e6;
    return { perCore, gflops: perCore * os.availableParallelism() };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const peak = measureSimdPeak();
  console.log(peak === undefined ? 'simd peak: could not build the kernel' : `simd peak: ${peak.perCore.toFixed(1)} GFLOP/s a core, ${peak.gflops.toFixed(1)} for ${os.availableParallelism()} cores`);
}
