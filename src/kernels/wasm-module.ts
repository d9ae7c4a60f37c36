/**
 * Loads build/simd.wasm (compiled from simd.as.ts by `npm run build`) once per thread, and
 * hands out its linear memory through a bump allocator. It computes nothing itself.
 *
 * The memory is shared (a SharedArrayBuffer), as the module is built with threads; the wasm
 * program (src/engine/program-memory.ts) has a module and memory of its own.
 *
 * NOTE: a typed-array view on wasm memory does not follow the memory when it grows (its buffer
 * keeps the old size; `memory.buffer` is a new one). `WasmArena` therefore never keeps views:
 * callers ask for fresh ones (`f32(ptr, len)` ...) after any allocation, and fixed buffers are
 * allocated once, up front. The module starts with 32 MB (`--initialMemory 512` in
 * package.json; pages never touched cost no RSS), room for a layer's batches.
 */
import { readFileSync } from 'node:fs';

/** The little of the WebAssembly JS API used here (tsconfig's lib has no WebAssembly types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}

/** A compiled module: it can be posted to a worker thread, as can a shared memory. */
export type WasmModule = object;
const WebAssemblyJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}

/** The exports of simd.as.ts; every `number` that names memory is a byte address. */
export interface SimdExports {
  memory: WasmMemory;
  heapBase(): number;
  matmul(out: number, a: number, b: number, M: number, K: number, P: number): void;
  matmulTransB(out: number, a: number, b: number, M: number, P: number, K: number): void;
  matmulTransA(out: number, a: number, b: number, M: number, K: number, P: number): void;
  addRowVector(out: number, bias: number, N: number, H: number): void;
  sumColumns(out: number, a: number, N: number, H: number): void;
  reluForward(y: number, mask: number, x: number, len: number): void;
  reluBackward(dx: number, dout: number, mask: number, len: number): void;
  sigmoidForward(y: number, x: number, len: number): void;
  sigmoidBackward(dx: number, dout: number, y: number, len: number): void;
  softmaxCrossEntropy(y: number, a: number, labels: number, N: number, C: number): number;
  softmaxGradLabels(dx: number, y: number, labels: number, scale: number, N: number, C: number): void;
  countCorrect(scores: number, labels: number, N: number, C: number): number;
  sgdStep(p: number, g: number, lr: number, len: number): void;
}

/** Where `npm run build` writes the module: <package>/build/simd.wasm, from src/ and dist/ alike. */
export const WASM_URL = new URL('../../build/simd.wasm', import.meta.url);

const PAGE = 65536;
/** Addresses are passed to wasm as signed 32-bit integers: stay below 2 GiB. */
export const MAX_ARENA_BYTES = 2 ** 31 - 2 ** 16;
/** The memory's size at start and at most, in pages: as `--initialMemory` and `--maximumMemory` in package.json. */
const INITIAL_PAGES = 512;
const MAXIMUM_PAGES = MAX_ARENA_BYTES / PAGE;

/** The module's exports on `memory` (a new instance: its code, the memory's contents as they are). */
export function instantiate(module: WasmModule, memory: WasmMemory): SimdExports {
  return new WebAssemblyJs.Instance(module, { env: { memory } }).exports as unknown as SimdExports;
}

/** Linear memory handed out from the module's heap base upwards, 16-byte aligned, never freed. */
export class WasmArena {
  private top: number;

  constructor(
    readonly module: WasmModule,
    readonly exports: SimdExports,
  ) {
    this.top = align(exports.heapBase());
  }

  /** Reserves `bytes` and returns the address (throws RangeError past MAX_ARENA_BYTES); grows the memory (killing old views) if needed. */
  alloc(bytes: number): number {
    const ptr = this.top;
    if (ptr + bytes > MAX_ARENA_BYTES) {
      throw new RangeError(`wasm memory: ${ptr + bytes} bytes needed, more than the ${MAX_ARENA_BYTES} a 32-bit arena can address here`);
    }
    this.top = align(ptr + bytes);
    const memory = this.exports.memory;
    if (this.top > memory.buffer.byteLength) memory.grow(Math.ceil((this.top - memory.buffer.byteLength) / PAGE));
    return ptr;
  }

  /** The current top, to give back everything allocated after it with `release`. */
  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, ptr, len);
  }

  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }
}

function align(n: number): number {
  return (n + 15) & ~15;
}

let loaded: { arena: WasmArena } | { error: string } | null = null;

/** The module of this thread, instantiated on first use; an Error says why it cannot load. */
export function wasmArena(): WasmArena | Error {
  if (loaded === null) {
    try {
      const module = new WebAssemblyJs.Module(readFileSync(WASM_URL));
      const memory = new WebAssemblyJs.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
      loaded = { arena: new WasmArena(module, instantiate(module, memory)) };
    } catch (e) {
      loaded = { error: `cannot load ${WASM_URL.pathname} (run npm run build): ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  return 'arena' in loaded ? loaded.arena : new Error(loaded.error);
}
