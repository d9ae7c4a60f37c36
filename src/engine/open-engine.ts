/**
 * The engine factory: picks the executor from the active backend and the network.
 *   wasm, and the book's chapter-5 network with SGD (fused-spec.ts)  -> FusedEngine
 *   wasm, any other float32 net without batch norm or dropout          -> ProgramEngine (the
 *     wasm program executor, wasm-program.ts: any depth, activation, optimizer, weight decay)
 *   anything else                                                      -> JsEngine, on the
 *     active backend's kernels (on wasm: the wasm kernels, one call per layer)
 * NOTE: on --backend wasm only batch norm, dropout (and float64 nets) still run the layers on
 * the wasm kernels, which the program executor does not implement.
 */
import { kernels } from '../kernels/backend.js';
import type { Engine, EngineInit } from './engine.js';
import { FusedEngine } from './fused-engine.js';
import { fusedTrainShape } from './fused-spec.js';
import { JsEngine } from './js-engine.js';
import { ProgramEngine, programRuns } from './program-engine.js';

/** Which executor openEngine would pick for this net and optimizer on the active backend. */
export function executorFor(init: Pick<EngineInit, 'net' | 'optimizer' | 'batchSize'>): 'fused' | 'program' | 'layers' {
  if (kernels().name !== 'wasm') return 'layers';
  if (fusedTrainShape(init.net, init.optimizer, init.batchSize) !== null) return 'fused';
  return programRuns(init.net) ? 'program' : 'layers';
}

export async function openEngine(init: EngineInit): Promise<Engine> {
  const executor = executorFor(init);
  if (executor === 'program') return ProgramEngine.open(init);
  const shape = executor === 'fused' ? fusedTrainShape(init.net, init.optimizer, init.batchSize) : null;
  return shape === null ? new JsEngine(init) : FusedEngine.open(init, shape);
}
