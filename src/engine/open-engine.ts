/**
 * The engine factory: picks the executor from the active backend and the network.
 *   wasm, any float32 net -> ProgramEngine (the wasm program executor, wasm-program.ts: any
 *     depth, activation, optimizer, weight decay, batch norm, dropout; one call a step)
 *   anything else                                       -> JsEngine, the layers on the active
 *     backend's kernels (on wasm: the wasm kernels, one call per layer)
 */
import { kernels } from '../kernels/backend.js';
import type { Engine, EngineInit } from './engine.js';
import { JsEngine } from './js-engine.js';
import { ProgramEngine } from './program-engine.js';
import { programRuns } from './wasm-program.js';

/** Which executor openEngine would pick for this net on the active backend. */
export function executorFor(init: Pick<EngineInit, 'net'>): 'program' | 'layers' {
  return kernels().name === 'wasm' && programRuns(init.net) ? 'program' : 'layers';
}

export async function openEngine(init: EngineInit): Promise<Engine> {
  return executorFor(init) === 'program' ? ProgramEngine.open(init) : new JsEngine(init);
}
