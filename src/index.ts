/**
 * bp-train as a library: the public API, and the only file that imports from every folder.
 * Flow: data -> kernels -> layers -> network -> optimiser -> engine -> training.
 */
export { writeFileAtomic, WriteError } from './io/write-file.js';
export { DataError } from './data/data-error.js';
export { Random, type RandomState } from './data/random.js';
export type { Dataset, Split } from './data/dataset.js';
export { loadDataset, classNamesOf } from './data/sources.js';
export { BUILT_IN_CATALOG, DIGIT_CLASS_NAMES, loadCatalog, findEntry, type CatalogEntry, type CatalogFile } from './data/catalog.js';
export { cacheRoot, datasetDir } from './data/cache-dir.js';
export { ensureDataset, fetchDataset, verifyDataset, type FetchOptions, type FetchReport, type VerifiedFile } from './data/fetch-dataset.js';
export type { DownloadProgress } from './data/download.js';
export { BatchBuilder } from './kernels/batches.js';

export { Matrix, type DType, type FloatArray } from './kernels/matrix.js';
export type { Kernels, Labels } from './kernels/kernels.js';
export { jsKernels } from './kernels/js.js';
export { kernels, setBackend, BACKENDS, wasmUnavailableReason, type BackendName } from './kernels/backend.js';

export type { Layer } from './layers/layer.js';
export { MulLayer, AddLayer } from './layers/scalar.js';
export { Relu } from './layers/relu.js';
export { Sigmoid } from './layers/sigmoid.js';
export { Tanh } from './layers/tanh.js';
export { BatchNormalization, BATCH_NORM_EPS } from './layers/batch-normalization.js';
export { Dropout } from './layers/dropout.js';
export { dropoutUniform, dropoutMask } from './layers/dropout-mask.js';
export { Affine } from './layers/affine.js';
export { SoftmaxWithLoss, type Truth } from './layers/softmax-with-loss.js';

export { TwoLayerNet, PARAM_NAMES, type Params, type ParamName, type TwoLayerNetOptions } from './network/two-layer-net.js';
export { numericalGradient, NUMERICAL_H } from './network/numerical-gradient.js';
export { ACTIVATIONS, WEIGHT_INITS, type NetSpec, type Activation, type WeightInit } from './network/spec.js';
export { planNet, type NetPlan, type LayerPlan, type ParamPlan, type BufferPlan } from './network/plan.js';
export { initScale } from './network/init.js';
export { MultiLayerNet, type MultiLayerNetOptions, type NetLayer, type Gradients } from './network/multi-layer-net.js';
export { SGD } from './optim/sgd.js';
export { Momentum } from './optim/momentum.js';
export { Nesterov } from './optim/nesterov.js';
export { AdaGrad } from './optim/adagrad.js';
export { RMSprop } from './optim/rmsprop.js';
export { Adam } from './optim/adam.js';
export { SlotOptimizer, OPTIMIZER_NAMES, type Optimizer, type OptimizerName, type OptimizerState } from './optim/optimizer.js';
export { makeOptimizer, type Hyperparameters } from './optim/make-optimizer.js';

export type { Engine, EngineInit, EngineFactory, Measurement, MeasureRequest, Accuracies } from './engine/engine.js';
export { openEngine } from './engine/open-engine.js';
export { JsEngine } from './engine/js-engine.js';
export { EvalPool } from './engine/eval-pool.js';

export type { TrainEvent, StartEvent, ProgressEvent, EpochEvent, DivergedEvent, InterruptedEvent } from './train/events.js';
export {
  train,
  initialState,
  itersPerEpoch,
  makeNet,
  copyState,
  type TrainConfig,
  type TrainState,
  type TrainHooks,
  type TrainResult,
  type RunOptions,
} from './train/trainer.js';
export { gradcheck, type GradcheckConfig, type GradcheckResult } from './train/gradcheck.js';
export { confusionMatrix, type ConfusionResult } from './train/confusion.js';
export { readMetricsFile, parseMetricsFile, buildMetricsFile, metricsText, METRICS_FORMAT, type MetricsFile, type MetricsRecord } from './train/metrics-file.js';
export { runConfig, configChanges, type RunConfig, type RunEnvironment, type ConfigChange } from './train/run-config.js';
export { compareWithBaseline, type BaselineComparison, type RelativeGate, type RelativeBars } from './train/baseline.js';
export { checkGates, makeSummary, type Summary, type Gate, type GateBars } from './train/summary.js';
export { diffMetrics, type MetricsDiff, type DiffRow } from './train/metrics-diff.js';

export { holdOut, withValidation, validationCount } from './data/validation-split.js';
export { smoothCurve, kaiserWindow } from './experiments/smooth-curve.js';
export { cutDataset, type DataProtocol, type RunSpec, type RunOutcome } from './experiments/experiment.js';
export { presetPlan, PRESET_NAMES, type PresetName, type ExperimentPlan } from './experiments/presets.js';
export { drawTrials, rankTrials, trialRuns, BOOK_SPACE, type SearchSpace, type Trial } from './experiments/random-search.js';
export { runAll, type PoolOptions } from './experiments/run-pool.js';

export { encodeSafetensors, decodeSafetensors, type Tensor, type SafeTensors } from './model/safetensors.js';
export { saveModel, loadModel, encodeModel, decodeModel, modelNetwork, modelOptimizer, type Model, type ModelMeta, type ModelNetwork, type ModelOptimizer, type EpochRecord } from './model/model-file.js';
export { readDigitPng, frameDigit, MAX_PNG_PIXELS } from './data/png-digit.js';
