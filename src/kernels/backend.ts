/**
 * Picks the kernel backend once, for the whole process. Layers ask `kernels()` for the
 * active one; nothing else decides. Today there is one backend, the plain TypeScript
 * reference ('js'); a faster one registers here beside it.
 */
import type { Kernels } from './kernels.js';
import { jsKernels } from './js.js';

export type BackendName = 'js';
export const BACKENDS: readonly BackendName[] = ['js'];

let active: Kernels = jsKernels;

export function kernels(): Kernels {
  return active;
}

export function setBackend(name: BackendName): Kernels {
  if (name !== 'js') throw new RangeError(`unknown backend '${String(name)}'`);
  active = jsKernels;
  return active;
}
