/**
 * bp-train as a library: the public API, and the only file that imports from every folder.
 * Flow: data -> kernels -> layers -> network -> optimiser -> training.
 */
export { DataError } from './data/data-error.js';
export { Random, type RandomState } from './data/random.js';
export type { Dataset, Split } from './data/dataset.js';
export { loadDataset } from './data/sources.js';
export { BatchBuilder } from './data/batches.js';

export { Matrix, type DType, type FloatArray } from './kernels/matrix.js';
export type { Kernels, Labels } from './kernels/kernels.js';
export { jsKernels } from './kernels/js.js';
export { kernels, setBackend, BACKENDS, fusedTwoLayerNet, wasmUnavailableReason, type BackendName } from './kernels/backend.js';
export type { FusedTwoLayerNet, FusedNetShape, ParamArrays } from './kernels/fused.js';

export type { Layer } from './layers/layer.js';
export { MulLayer, AddLayer } from './layers/scalar.js';
export { Relu } from './layers/relu.js';
export { Sigmoid } from './layers/sigmoid.js';
export { Affine } from './layers/affine.js';
export { SoftmaxWithLoss, type Truth } from './layers/softmax-with-loss.js';

export { TwoLayerNet, PARAM_NAMES, type Params, type ParamName, type TwoLayerNetOptions } from './network/two-layer-net.js';
export { numericalGradient, NUMERICAL_H } from './network/numerical-gradient.js';
export { SGD } from './optim/sgd.js';

export type { TrainEvent, StartEvent, ProgressEvent, EpochEvent, DivergedEvent, InterruptedEvent } from './train/events.js';
export {
  train,
  initialState,
  itersPerEpoch,
  type TrainConfig,
  type TrainState,
  type TrainHooks,
  type TrainResult,
  type RunOptions,
} from './train/trainer.js';
export { EvalPool } from './train/eval-pool.js';
export { gradcheck, type GradcheckConfig, type GradcheckResult } from './train/gradcheck.js';
export { confusionMatrix, type ConfusionResult } from './train/confusion.js';

export { encodeSafetensors, decodeSafetensors, type Tensor, type SafeTensors } from './model/safetensors.js';
export { saveModel, loadModel, encodeModel, decodeModel, type ModelMeta, type EpochRecord } from './model/model-file.js';
export { readDigitPng, frameDigit } from './data/png-digit.js';
