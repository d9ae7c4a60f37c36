/**
 * The programs a plan compiles into (src/engine/program.ts), as text: the step program of the
 * default spec and of a deeper one, each fusion rule's rewrite on its own, the barriers, and
 * the count program. What the programs compute is checked in fusion-rules.test.ts and
 * wasm-program.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { programLayout } from '../../src/engine/layout.js';
import { withBarriers } from '../../src/engine/barriers.js';
import { affineActivation, affineSoftmax, sgdFromPixelLists, sparseInput } from '../../src/engine/fusion-rules.js';
import { describeOps } from '../../src/engine/op.js';
import { countOps, plainStepOps, stepOps, type StepProgramOptions } from '../../src/engine/program.js';
import { updateRegions } from '../../src/engine/tables.js';
import { planNet } from '../../src/network/plan.js';
import { resolveSpec, type Activation } from '../../src/network/spec.js';

const planOf = (hidden: number[], activation: Activation = 'relu') => planNet(resolveSpec({ inputSize: 784, hiddenSizeList: hidden, outputSize: 10, activation }));
const SGD: StepProgramOptions = { optimizer: 'sgd', weightDecayLambda: 0 };
const ADAM: StepProgramOptions = { optimizer: 'adam', weightDecayLambda: 0 };

describe('the step program', () => {
  it('of 784-50-10 ReLU SGD: lists, three barriers, W1 stepped from the lists', () => {
    const plan = planOf([50]);
    const layout = programLayout(plan, { threads: 1, maxBatch: 100, slots: 0, w1ByColumns: true });
    expect(describeOps(stepOps(plan, layout, SGD))).toMatchInlineSnapshot(`
      "LIST W=params.W1 ROW_BYTES=208
      BARRIER
      SPARSE_AFFINE OUT=h1 OUT_ROW_BYTES=208 B=params.b1 ACT=relu RUNS=runs1 VALID_END=50 SHIFTS=w1Shifts
      BARRIER
      AFFINE_SOFTMAX OUT=dy OUT_ROW_BYTES=48 B=params.b2 W=params.W2 W_ROW_BYTES=48 IN=h1 IN_ROW_BYTES=208 IN_COUNT=52 C=10 LOSSES=losses SPARSE=0 SKIP=0
      BARRIER
      LOSS LOSSES=losses DECAY=0 DECAY_COUNT=0
      DENSE_BACKWARD DY=dy DY_ROW_BYTES=48 DY_COUNT=10 W=params.W2 W_ROW_BYTES=48 WT=WT2 X=h1 X_ROW_BYTES=208 DX=dA1 ACT=relu DW=grads.W2 DB=grads.b2 ROW_RUNS=runs1 DB_RUNS=runs2 DY_SKIP=0 X_SKIP=0
      SPARSE_SGD DA=dA1 DA_ROW_BYTES=208 DB=grads.b1 RUNS=runs1 SHIFTS=w1Shifts
      UPDATE KIND=sgd PARAMS=params GRADS=grads SLOT0=slot0 SLOT1=slot1 REGIONS=regionsWithoutW1
      END"
    `);
  });

  it('of 784-100-100-10 ReLU Adam: W1 in column blocks, dW1 stored, one update over every parameter, five barriers', () => {
    const plan = planOf([100, 100]);
    const layout = programLayout(plan, { threads: 2, maxBatch: 100, slots: 2, w1ByColumns: true });
    expect(describeOps(stepOps(plan, layout, ADAM))).toMatchInlineSnapshot(`
      "LIST W=params.W1 ROW_BYTES=256
      BARRIER
      SPARSE_AFFINE OUT=h1 OUT_ROW_BYTES=448 B=params.b1 ACT=relu RUNS=runs1 VALID_END=100 SHIFTS=w1Shifts
      BARRIER
      DENSE_AFFINE OUT=h2 OUT_ROW_BYTES=448 B=params.b2 W=params.W2 W_ROW_BYTES=448 IN=h1 IN_ROW_BYTES=448 IN_COUNT=112 ACT=relu RUNS=runs2 VALID_END=100 SKIP=1
      BARRIER
      AFFINE_SOFTMAX OUT=dy OUT_ROW_BYTES=48 B=params.b3 W=params.W3 W_ROW_BYTES=48 IN=h2 IN_ROW_BYTES=448 IN_COUNT=112 C=10 LOSSES=losses SPARSE=0 SKIP=0
      BARRIER
      LOSS LOSSES=losses DECAY=0 DECAY_COUNT=0
      DENSE_BACKWARD DY=dy DY_ROW_BYTES=48 DY_COUNT=10 W=params.W3 W_ROW_BYTES=48 WT=WT3 X=h2 X_ROW_BYTES=448 DX=dA2 ACT=relu DW=grads.W3 DB=grads.b3 ROW_RUNS=runs2 DB_RUNS=runs3 DY_SKIP=0 X_SKIP=0
      BARRIER
      DENSE_BACKWARD DY=dA2 DY_ROW_BYTES=448 DY_COUNT=112 W=params.W2 W_ROW_BYTES=448 WT=WT2 X=h1 X_ROW_BYTES=448 DX=dA1 ACT=relu DW=grads.W2 DB=grads.b2 ROW_RUNS=runs1 DB_RUNS=runs2 DY_SKIP=1 X_SKIP=1
      SPARSE_GRAD DA=dA1 DA_ROW_BYTES=448 DB=grads.b1 RUNS=runs1 DW=grads.W1 W=params.W1 W_ROW_BYTES=256 SHIFTS=w1Shifts
      UPDATE KIND=adam PARAMS=params GRADS=grads SLOT0=slot0 SLOT1=slot1 REGIONS=regions
      END"
    `);
  });

  it('with weight decay: the decay sums before the loss, and SGD stores dW1 (rule 4 does not apply)', () => {
    const plan = planOf([30], 'tanh');
    const layout = programLayout(plan, { threads: 1, maxBatch: 10, slots: 0, w1ByColumns: true });
    const ops = stepOps(plan, layout, { optimizer: 'sgd', weightDecayLambda: 0.1 });
    expect(ops.map((o) => o.name)).toEqual([
      'LIST', 'BARRIER', 'SPARSE_AFFINE', 'BARRIER', 'AFFINE_SOFTMAX', 'DECAY_SUMS', 'DECAY_SUMS', 'BARRIER', 'LOSS',
      'DENSE_BACKWARD', 'SPARSE_GRAD', 'UPDATE', 'END',
    ]);
  });

  it('of a net with no hidden layer: the scores straight from the pixel lists', () => {
    const plan = planOf([]);
    const layout = programLayout(plan, { threads: 1, maxBatch: 10, slots: 0, w1ByColumns: true });
    expect(stepOps(plan, layout, SGD).map((o) => o.name)).toEqual(['LIST', 'BARRIER', 'AFFINE_SOFTMAX', 'BARRIER', 'LOSS', 'SPARSE_SGD', 'UPDATE', 'END']);
  });
});

describe('the fusion rules, one at a time on the plain program', () => {
  const plan = planOf([100, 100], 'sigmoid');
  const layout = programLayout(plan, { threads: 1, maxBatch: 100, slots: 0, w1ByColumns: true });
  const plain = plainStepOps(plan, layout, SGD);
  const names = (ops: { name: string }[]) => ops.map((o) => o.name).join(' ');

  it('the plain program: one op per layer', () => {
    expect(names(plain)).toBe(
      'GATHER DENSE_AFFINE ACTIVATION DENSE_AFFINE ACTIVATION DENSE_AFFINE SOFTMAX_LOSS LOSS ' +
        'DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD UPDATE',
    );
  });

  it('rule 1, sparseInput: LIST for GATHER, the first Affine and its dW1 over the pixel lists', () => {
    expect(describeOps(sparseInput(plain, layout.w1).filter((o) => ['LIST', 'SPARSE_AFFINE', 'SPARSE_GRAD'].includes(o.name)))).toMatchInlineSnapshot(`
      "LIST W=params.W1 ROW_BYTES=400
      SPARSE_AFFINE OUT=h1 OUT_ROW_BYTES=400 B=params.b1 ACT=none RUNS=runs1 VALID_END=100 SHIFTS=w1Shifts
      SPARSE_GRAD DA=dA1 DA_ROW_BYTES=400 DB=grads.b1 RUNS=runs1 DW=grads.W1 W=params.W1 W_ROW_BYTES=400 SHIFTS=w1Shifts"
    `);
    expect(names(sparseInput(plain, layout.w1))).toBe(
      'LIST SPARSE_AFFINE ACTIVATION DENSE_AFFINE ACTIVATION DENSE_AFFINE SOFTMAX_LOSS LOSS ' +
        'DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD ACT_BACKWARD SPARSE_GRAD UPDATE',
    );
  });

  it('rule 2, affineActivation: each activation into its Affine, forward and backward', () => {
    const fused = affineActivation(plain);
    expect(names(fused)).toBe('GATHER DENSE_AFFINE DENSE_AFFINE DENSE_AFFINE SOFTMAX_LOSS LOSS DENSE_BACKWARD DENSE_BACKWARD DENSE_BACKWARD UPDATE');
    expect(fused.filter((o) => o.name === 'DENSE_AFFINE').map((o) => o.fields.ACT)).toEqual(['sigmoid', 'sigmoid', 'none']);
    expect(fused.filter((o) => o.name === 'DENSE_BACKWARD').map((o) => o.fields.ACT)).toEqual(['sigmoid', 'sigmoid', 'none']);
  });

  it('rule 3, affineSoftmax: the last Affine and SoftmaxWithLoss in one op per image', () => {
    const fused = affineSoftmax(plain);
    expect(names(fused)).toBe(
      'GATHER DENSE_AFFINE ACTIVATION DENSE_AFFINE ACTIVATION AFFINE_SOFTMAX LOSS ' +
        'DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD UPDATE',
    );
    expect(describeOps(fused.filter((o) => o.name === 'AFFINE_SOFTMAX'))).toMatchInlineSnapshot(`"AFFINE_SOFTMAX OUT=dy OUT_ROW_BYTES=48 B=params.b3 W=params.W3 W_ROW_BYTES=48 IN=h2 IN_ROW_BYTES=400 IN_COUNT=100 C=10 LOSSES=losses SPARSE=0 SKIP=0"`);
  });

  it('rule 4, sgdFromPixelLists: W1 stepped from the lists, UPDATE without W1; only for plain SGD after rule 1', () => {
    const sparse = sparseInput(plain, layout.w1);
    expect(names(sgdFromPixelLists(sparse, SGD))).toBe(
      'LIST SPARSE_AFFINE ACTIVATION DENSE_AFFINE ACTIVATION DENSE_AFFINE SOFTMAX_LOSS LOSS ' +
        'DENSE_BACKWARD ACT_BACKWARD DENSE_BACKWARD ACT_BACKWARD SPARSE_SGD UPDATE',
    );
    expect(sgdFromPixelLists(sparse, SGD).at(-1)?.fields.REGIONS).toBe('regionsWithoutW1');
    expect(sgdFromPixelLists(sparse, ADAM)).toEqual(sparse);
    expect(sgdFromPixelLists(sparse, { optimizer: 'sgd', weightDecayLambda: 1e-4 })).toEqual(sparse);
    expect(sgdFromPixelLists(plain, SGD)).toEqual(plain);
  });

  it('barriers go where a thread reads what others wrote since the last one', () => {
    expect(names(withBarriers(plain, 3, false))).toBe(
      'GATHER BARRIER DENSE_AFFINE ACTIVATION BARRIER DENSE_AFFINE ACTIVATION BARRIER DENSE_AFFINE BARRIER SOFTMAX_LOSS BARRIER LOSS ' +
        'DENSE_BACKWARD ACT_BACKWARD BARRIER DENSE_BACKWARD ACT_BACKWARD BARRIER DENSE_BACKWARD BARRIER UPDATE',
    );
  });
});

describe('the count program', () => {
  it('of 784-100-100-10: the rows of one image on a lane, then its argmax', () => {
    const plan = planOf([100, 100]);
    const layout = programLayout(plan, { threads: 2, maxBatch: 100, slots: 2, w1ByColumns: true });
    expect(describeOps(countOps(plan, layout, 'paramsCopy'))).toMatchInlineSnapshot(`
      "C_BEGIN W=paramsCopy.W1 ROW_BYTES=256 LANES=lanes LANE_BYTES=7360 ROWS=lane.rows VALS=lane.vals
      C_SPARSE OUT=lane.row1 B=paramsCopy.b1 ACT=relu RUNS=runs1 VALID_END=100 SHIFTS=w1Shifts
      C_DENSE OUT=lane.row2 B=paramsCopy.b2 ACT=relu RUNS=runs2 VALID_END=100 W=paramsCopy.W2 W_ROW_BYTES=448 IN=lane.row1 IN_COUNT=112 SKIP=1
      C_DENSE OUT=lane.row3 B=paramsCopy.b3 ACT=none RUNS=runs3 VALID_END=10 W=paramsCopy.W3 W_ROW_BYTES=48 IN=lane.row2 IN_COUNT=112 SKIP=0
      C_ARGMAX IN=lane.row3 C=10
      END"
    `);
  });
});

describe('the update regions', () => {
  it('give each thread the parts of the tensors whose gradients it computed', () => {
    const plan = planOf([50]);
    const layout = programLayout(plan, { threads: 2, maxBatch: 100, slots: 0, w1ByColumns: true });
    const words = updateRegions(layout, false);
    const list = (t: number) => {
      const at = words[t] / 4;
      return Array.from({ length: words[at] }, (_, r) => Array.from(words.subarray(at + 1 + r * 5, at + 6 + r * 5)));
    };
    const [W1, b1, W2, b2] = layout.params.map((p) => p.offset);
    // 50 units on 2 threads: 13 vectors, 6 + 7, the second run from column 32 (a cache line); rows of 64 floats.
    // W1 in column blocks, a row of each block on two cache lines (the wider run: 28 floats), one block after the other.
    expect(layout.w1).toEqual({ byColumns: true, blocks: true, rowBytes: 128, blockBytes: 784 * 128, shifts: [0, 784 * 128 - 32 * 4] });
    expect(list(0)).toEqual([[W1, 784, 24, 128, 1], [b1, 1, 24, 256, 0], [W2, 24, 12, 48, 1], [b2, 1, 12, 48, 0]]);
    expect(list(1)).toEqual([[W1 + 784 * 128, 784, 28, 128, 1], [b1 + 128, 1, 28, 256, 0], [W2 + 32 * 48, 28, 12, 48, 1]]);
  });

  it('give W1 by rows of pixels when its gradient comes from dense rows (rule 1 off): one padded matrix', () => {
    const layout = programLayout(planOf([50]), { threads: 2, maxBatch: 100, slots: 0, w1ByColumns: false });
    const words = updateRegions(layout, false);
    const W1 = layout.params[0].offset;
    expect(layout.w1).toEqual({ byColumns: false, blocks: false, rowBytes: 256, blockBytes: 0, shifts: [0, 0] });
    expect(Array.from(words.subarray(words[0] / 4 + 1, words[0] / 4 + 6))).toEqual([W1, 392, 64, 256, 1]);
    expect(Array.from(words.subarray(words[1] / 4 + 1, words[1] / 4 + 6))).toEqual([W1 + 392 * 256, 392, 64, 256, 1]);
  });
});
