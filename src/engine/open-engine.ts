/**
 * The engine factory: picks the executor from the active backend and the network.
 *   wasm, and the book's chapter-5 network with SGD (fused-spec.ts)  -> FusedEngine
 *   anything else                                                      -> JsEngine, on the
 *     active backend's kernels (on wasm: the wasm kernels, one call per layer)
 * NOTE: on --backend wasm every network but the chapter-5 one runs the layers on the wasm
 * kernels (slower than a fused program would be) until the wasm program executor
 * (engine/wasm-program.ts) implements Engine and is chosen here.
 */
import { kernels } from '../kernels/backend.js';
import type { Engine, EngineInit } from './engine.js';
import { FusedEngine } from './fused-engine.js';
import { fusedTrainShape } from './fused-spec.js';
import { JsEngine } from './js-engine.js';

/** Which executor openEngine would pick for this net and optimizer on the active backend. */
export function executorFor(init: Pick<EngineInit, 'net' | 'optimizer' | 'batchSize'>): 'fused' | 'layers' {
  return kernels().name === 'wasm' && fusedTrainShape(init.net, init.optimizer, init.batchSize) !== null ? 'fused' : 'layers';
}

export async function openEngine(init: EngineInit): Promise<Engine> {
  const shape = kernels().name === 'wasm' ? fusedTrainShape(init.net, init.optimizer, init.batchSize) : null;
  return shape === null ? new JsEngine(init) : FusedEngine.open(init, shape);
}
