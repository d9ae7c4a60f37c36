/**
 * TEMPORARY: `paramArrays` for the tests of other parts that still import it from here
 * (test/kernels/team.test.ts, test/engine/gate.test.ts). A training step is an Engine's now
 * (src/engine/); the function is engine/count-correct.ts's twoLayerArrays. Delete this file
 * when those imports move.
 */
export { twoLayerArrays as paramArrays } from '../engine/count-correct.js';
