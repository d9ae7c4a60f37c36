/**
 * Loads build/program.wasm (compiled from src/wasm/program.as.ts by `npm run build:wasm`) once
 * per thread, on a shared memory of its own, and hands out that memory in cache-line-aligned
 * regions. It computes nothing.
 *
 * The memory is shared (a SharedArrayBuffer): helper threads instantiate the same module on it
 * (program-team.ts). Regions are never freed, but a released one is reused by the next program
 * that fits in it; the sparse copies of splits (sparse-split.ts) live as long as the thread.
 *
 * NOTE: a typed-array view on wasm memory does not follow the memory when it grows: ask for
 * fresh views (f32, i32, ...) after any allocation.
 */
import { readFileSync } from 'node:fs';
import type { WasmMemory, WasmModule } from '../kernels/wasm-module.js';
import { LINE_BYTES } from './layout.js';

/** The exports of program.as.ts; every `number` that names memory is a byte address. */
export interface ProgramExports {
  memory: WasmMemory;
  heapBase(): number;
  fillScaleTable(table: number): void;
  encodeSparse(dst: number, starts: number, x: number, N: number, D: number): number;
  step(team: number, thread: number): number;
  count(team: number, thread: number): number;
  serve(team: number, thread: number, seen: number): void;
}

/** The little of the WebAssembly JS API used here (tsconfig's lib has no WebAssembly types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WebAssemblyJs = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

export const PROGRAM_WASM_URL = new URL('../../build/program.wasm', import.meta.url);

const PAGE = 65536;
/** Addresses are passed to wasm as signed 32-bit integers: stay below 2 GiB. */
const MAX_BYTES = 2 ** 31 - 2 ** 16;
/** As --initialMemory and --maximumMemory of build:wasm in package.json. */
const INITIAL_PAGES = 512;
const MAXIMUM_PAGES = MAX_BYTES / PAGE;

/** The module's exports on `memory` (a helper thread's instance on the same memory). */
export function instantiateProgram(module: WasmModule, memory: WasmMemory): ProgramExports {
  return new WebAssemblyJs.Instance(module, { env: { memory } }).exports as unknown as ProgramExports;
}

/** A program that does not fit: more than MAX_BYTES, or more than the system would give (`refused`: its words). */
export class WasmMemoryLimit extends RangeError {
  override name = 'WasmMemoryLimit';
  constructor(
    readonly needed: number,
    readonly refused: string | null,
  ) {
    super(
      refused === null
        ? `wasm program: ${needed} bytes of memory needed, more than ${MAX_BYTES} (the 2 GiB that wasm addresses here)`
        : `wasm program: the system refused the ${needed} bytes of memory needed (${refused})`,
    );
  }
}

export class ProgramMemory {
  private top: number;
  /** Regions given back, for reuse. */
  private released: { address: number; bytes: number }[] = [];

  constructor(
    readonly module: WasmModule,
    readonly exports: ProgramExports,
  ) {
    this.top = lineAlign(exports.heapBase());
  }

  /** `bytes` at a cache line boundary (a released region when one fits; zeroed); grows the memory, killing old views, if needed. */
  alloc(bytes: number): number {
    const fit = this.released.findIndex((r) => r.bytes >= bytes && r.bytes <= 2 * bytes);
    if (fit >= 0) {
      const [region] = this.released.splice(fit, 1);
      this.u8(region.address, region.bytes).fill(0);
      return region.address;
    }
    const address = this.top;
    this.reserve(bytes);
    this.commit(address + bytes);
    return address;
  }

  /** The first free byte: a caller may write from there up to `room` bytes (see reserve), then commit what it wrote. */
  get free(): number {
    return this.top;
  }

  /** Makes sure `bytes` past the free byte exist (grows the memory, killing old views, if needed). */
  reserve(bytes: number): void {
    const end = this.top + bytes;
    if (end > MAX_BYTES) throw new WasmMemoryLimit(end, null);
    const memory = this.exports.memory;
    if (end <= memory.buffer.byteLength) return;
    try {
      memory.grow(Math.ceil((end - memory.buffer.byteLength) / PAGE));
    } catch (err) {
      throw new WasmMemoryLimit(end, err instanceof Error ? err.message : String(err));
    }
  }

  /** Takes the bytes up to `end` (written after reserve) as allocated. */
  commit(end: number): void {
    this.top = lineAlign(end);
  }

  /** Gives a region of alloc back, for a later alloc. */
  release(address: number, bytes: number): void {
    this.released.push({ address, bytes });
  }

  f32(ptr: number, len: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, len);
  }

  f64(ptr: number, len: number): Float64Array {
    return new Float64Array(this.exports.memory.buffer, ptr, len);
  }

  i32(ptr: number, len: number): Int32Array {
    return new Int32Array(this.exports.memory.buffer, ptr, len);
  }

  u8(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer, ptr, len);
  }
}

function lineAlign(n: number): number {
  return Math.ceil(n / LINE_BYTES) * LINE_BYTES;
}

let loaded: { memory: ProgramMemory } | { error: string } | null = null;

/** This thread's program memory, made on first use; an Error says why it cannot load. */
export function programMemory(): ProgramMemory | Error {
  if (loaded === null) {
    try {
      const module = new WebAssemblyJs.Module(readFileSync(PROGRAM_WASM_URL));
      const memory = new WebAssemblyJs.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES, shared: true });
      loaded = { memory: new ProgramMemory(module, instantiateProgram(module, memory)) };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      // A missing or stale build, or a system that refuses the first 32 MB (ulimit -v).
      loaded = { error: e instanceof RangeError ? `cannot make the wasm program's memory: ${why}` : `cannot load ${PROGRAM_WASM_URL.pathname} (run npm run build:wasm): ${why}` };
    }
  }
  return 'memory' in loaded ? loaded.memory : new Error(loaded.error);
}
