/**
 * Picks the kernel backend once, for the whole process (each worker thread picks its own).
 * Layers ask `kernels()` for the active one; nothing else decides.
 *
 *   'wasm'  WebAssembly SIMD (wasm.ts over simd.as.ts); where it is active, training and
 *           counting run on the wasm program (src/engine/wasm-program.ts) for every network it
 *           runs. The default whenever build/simd.wasm loads.
 *   'js'    the plain TypeScript reference (js.ts), and the fallback.
 *
 * The two give the same formulas but not the same float32 bits: a run is reproducible on
 * one backend, and differs in the last digits between backends.
 */
import type { Kernels } from './kernels.js';
import { jsKernels } from './js.js';
import { makeWasmKernels } from './wasm.js';
import { wasmArena } from './wasm-module.js';

export type BackendName = 'js' | 'wasm';
export const BACKENDS: readonly BackendName[] = ['js', 'wasm'];

let wasmKernels: Kernels | null = null;
let active: Kernels = jsKernels;

export function kernels(): Kernels {
  return active;
}

export function setBackend(name: BackendName): Kernels {
  if (name === 'js') {
    active = jsKernels;
  } else if (name === 'wasm') {
    const arena = wasmArena();
    if (arena instanceof Error) throw arena;
    wasmKernels ??= makeWasmKernels(arena);
    active = wasmKernels;
  } else {
    throw new RangeError(`unknown backend '${String(name)}' (allowed: ${BACKENDS.join(', ')})`);
  }
  return active;
}

/** Why 'wasm' cannot be used here, or null when it can. */
export function wasmUnavailableReason(): string | null {
  const arena = wasmArena();
  return arena instanceof Error ? arena.message : null;
}

// The default: wasm when build/simd.wasm loads, else js.
if (wasmUnavailableReason() === null) setBackend('wasm');
