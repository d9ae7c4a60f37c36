/**
 * The fused fast path: a whole TwoLayerNet training step (forward, backward, SGD) and a whole
 * evaluation chunk in one backend call, reading the images as bytes.
 *
 * Why it exists: the layer path (Affine -> Relu -> Affine -> SoftmaxWithLoss, one kernel call
 * each) is the readable reference, but on a fast backend it spends its time between the
 * kernels: converting bytes to floats, copying every operand into wasm memory and back,
 * storing dW1 only to read it again in SGD, and walking the 81% zero pixels to find the rest.
 * The fused path keeps the weights in wasm memory, lists each image's nonzero pixels once and
 * uses that list for Affine1 forward and for dW1, and applies dW1 straight to W1.
 *
 * Measured on the book's protocol (2-vCPU AMD EPYC, Node 20), per SGD step of 100 images:
 * layers on 'js' 2.6 ms, layers on 'wasm' 0.6 ms (6 s for the 10,000 steps: the 4 s target
 * is out of reach that way), fused on 'wasm' 0.19 ms (1.9 s), and 0.15 ms (1.5 s) since it
 * reads a sparse copy of the training images made once (wasm-fused.ts) and combines rows in
 * blocks of up to 7 vectors (simd.as.ts); 0.08 ms (0.8 s) when two threads share each step
 * (wasm-team.ts; 0.14 ms on one thread).
 *
 * What it is not: a second definition of the network. It computes the same formulas as the
 * layers, and test/train/fast-path.test.ts checks that both give the same weights after
 * several steps and the same accuracy. Only the float32 rounding differs (summation order).
 */
import type { FloatArray } from './matrix.js';

/** The four parameters, row-major and unpadded, as TwoLayerNet holds them (W1 is D x H, W2 H x C). */
export interface ParamArrays {
  W1: FloatArray;
  b1: FloatArray;
  W2: FloatArray;
  b2: FloatArray;
}

export interface FusedTwoLayerNet {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly outputSize: number;
  /** Copies the parameters in (at the start of a run, and after anyone changed them). */
  setParams(params: ParamArrays): void;
  /** Copies the parameters out, into the given arrays. */
  getParams(params: ParamArrays): void;
  /**
   * One SGD step on the images rows[0 .. rows.length) of a split (bytes, inputSize per image):
   * returns the batch's mean loss. When that is above maxLoss or NaN, the parameters are left
   * unchanged (a diverged run keeps its last weights, as on the layer path).
   */
  trainStep(images: Uint8Array, labels: Uint8Array, rows: Int32Array, lr: number, maxLoss?: number): number;
  /**
   * Readies these images (and labels) for trainStep and countCorrect now: the wasm net keeps a
   * sparse copy of each split it is given, made on first use otherwise.
   */
  prepare(images: Uint8Array, labels: Uint8Array): void;
  /** How many of the images start .. start + count - 1 are classified as their label. */
  countCorrect(images: Uint8Array, labels: Uint8Array, start: number, count: number): number;
  /**
   * Starts counting, on the helper threads, how many images of each split (whole) the net as it
   * is now classifies as their label, while trainStep goes on on this thread alone; steps are
   * shared again once the counts are done. Returns false, starting nothing, without helpers.
   * Throws while the counts of the last call have not been taken.
   */
  startCounts(splits: readonly LabelledImages[]): boolean;
  /**
   * The counts of startCounts, split by split, once all are done, else null (and always null
   * when none were started). `wait`: finish them now, this thread counting what the helpers have
   * not started, and return them. Throws if a helper failed.
   */
  takeCounts(wait?: boolean): number[] | null;
  /** The threads that share each trainStep and countCorrect: this one and helpers on other cores. */
  readonly threads: number;
  /**
   * Shares every later trainStep and countCorrect among `threads` threads (at most 8; 1 stops
   * the helpers); resolves with the number used once they are ready. No number changes: a
   * step's weights are the same bits for any thread count. Use no more threads than cores.
   * After a helper failed (trainStep and countCorrect then throw), useThreads(1) stops the
   * rest; the net is broken for good (its weights may be half updated) and is not reused.
   */
  useThreads(threads: number): Promise<number>;
  /** Gives the net's memory back (for the next net of the same shape, after useThreads(1)); do not use it afterwards. */
  release(): void;
}

/** Images (bytes, inputSize each) and their labels. */
export interface LabelledImages {
  images: Uint8Array;
  labels: Uint8Array;
}

export interface FusedNetShape {
  inputSize: number;
  hiddenSize: number;
  outputSize: number;
  /** The largest batch trainStep will get. */
  maxBatch: number;
}
