// The 128-bit SIMD peak of one core, measured: `rounds` x 8 independent f32x4 multiply-add
// pairs (a multiply, then an add: WebAssembly SIMD has no fused multiply-add) on registers
// only, so nothing waits for memory or for another result. Compiled on the fly by
// scripts/bench/simd-peak.mjs; returns a sum so that nothing is optimised away.
export function run(rounds: i32, seed: f32): f32 {
  const m = f32x4.splat(0.999999);
  let a0 = f32x4.splat(seed), a1 = f32x4.splat(seed + 1), a2 = f32x4.splat(seed + 2), a3 = f32x4.splat(seed + 3);
  let a4 = f32x4.splat(seed + 4), a5 = f32x4.splat(seed + 5), a6 = f32x4.splat(seed + 6), a7 = f32x4.splat(seed + 7);
  const b = f32x4.splat(1e-7);
  for (let r = 0; r < rounds; r++) {
    a0 = f32x4.add(f32x4.mul(a0, m), b);
    a1 = f32x4.add(f32x4.mul(a1, m), b);
    a2 = f32x4.add(f32x4.mul(a2, m), b);
    a3 = f32x4.add(f32x4.mul(a3, m), b);
    a4 = f32x4.add(f32x4.mul(a4, m), b);
    a5 = f32x4.add(f32x4.mul(a5, m), b);
    a6 = f32x4.add(f32x4.mul(a6, m), b);
    a7 = f32x4.add(f32x4.mul(a7, m), b);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
