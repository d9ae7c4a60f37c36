/**
 * The browser build's stand-in for src/kernels/wasm-module.ts (which reads build/simd.wasm from
 * the file system): in the page there is no such module, so kernels/backend.ts stays on the
 * plain TypeScript kernels (js.ts), the reference every other backend is tested against.
 */
export type WasmModule = object;
export type WasmArena = never;

export function wasmArena(): Error {
  return new Error('no WebAssembly kernels in the page: it runs the TypeScript reference kernels');
}
