/**
 * What a model file says about itself (its "__metadata__"), and the checks that read it
 * back: every value is JSON text of the shape below, or the file is refused.
 */
import type { RandomState } from '../data/random.js';

export interface EpochRecord {
  epoch: number;
  iteration: number;
  loss: number | null;
  trainAcc: number | null;
  testAcc: number | null;
}

export interface ModelMeta {
  architecture: { inputSize: number; hiddenSize: number; outputSize: number };
  /** The training options; `iterations` is the target the run was asked to reach. */
  training: { lr: number; batchSize: number; iterations: number; weightInitStd: number; seed: number; backend: 'js' | 'wasm' };
  data: { source: string; trainLimit: number | null; testLimit: number | null };
  /** Iterations done when the file was written. */
  iteration: number;
  /** The last measurement on the whole splits (it may predate `iteration` after an interrupt). */
  accuracy: { iteration: number; train: number; test: number } | null;
  /** The batch sampler's xoshiro128** state: the next batch after `iteration`. */
  samplerState: RandomState;
  /** Every epoch line of the run so far (kept across resumes, for --plot). */
  history: EpochRecord[];
}

type Fail = (problem: string) => never;
type Check<T> = (value: unknown) => T | undefined;

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : undefined;
const positive: Check<number> = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
const fraction: Check<number> = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? v : undefined);
const backendName: Check<'js' | 'wasm'> = (v) => (v === 'js' || v === 'wasm' ? v : undefined);
const string: Check<string> = (v) => (typeof v === 'string' && v !== '' ? v : undefined);
const orNull =
  <T>(check: Check<T>): Check<T | null> =>
  (v) =>
    v === null ? null : check(v);
const finiteOrNull: Check<number | null> = (v) => (v === null || (typeof v === 'number' && Number.isFinite(v)) ? (v as number | null) : undefined);

function object<T>(fields: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    const out: Partial<T> = {};
    for (const key of Object.keys(fields) as (keyof T)[]) {
      const value = fields[key]((v as Record<string, unknown>)[key as string]);
      if (value === undefined) return undefined;
      out[key] = value;
    }
    return out as T;
  };
}

const CHECKS: { [K in keyof ModelMeta]: [key: string, check: Check<ModelMeta[K]>, expected: string] } = {
  architecture: [
    'architecture',
    object({ inputSize: int(1, 1 << 20), hiddenSize: int(1, 1 << 16), outputSize: int(1, 1 << 16) }),
    '{inputSize, hiddenSize, outputSize} as positive integers',
  ],
  training: [
    'training',
    object({ lr: positive, batchSize: int(1), iterations: int(1), weightInitStd: positive, seed: int(0, 4294967295), backend: backendName }),
    "{lr, batchSize, iterations, weightInitStd, seed, backend ('js' or 'wasm')}",
  ],
  data: ['data', object({ source: string, trainLimit: orNull(int(1)), testLimit: orNull(int(1)) }), '{source, trainLimit, testLimit}'],
  iteration: ['iteration', int(0), 'a non-negative integer'],
  accuracy: ['accuracy', orNull(object({ iteration: int(0), train: fraction, test: fraction })), 'null or {iteration, train, test}'],
  samplerState: [
    'sampler_state',
    (v) => (Array.isArray(v) && v.length === 4 && v.every((w) => int(0, 4294967295)(w) !== undefined) ? (v as RandomState) : undefined),
    'four unsigned 32-bit integers',
  ],
  history: [
    'history',
    (v) => {
      const check = object<EpochRecord>({ epoch: int(0), iteration: int(0), loss: finiteOrNull, trainAcc: finiteOrNull, testAcc: finiteOrNull });
      if (!Array.isArray(v)) return undefined;
      const records = v.map(check);
      return records.every((r) => r !== undefined) ? (records as EpochRecord[]) : undefined;
    },
    'a list of {epoch, iteration, loss, trainAcc, testAcc}',
  ],
};

/** Parses and checks every metadata entry; `fail` throws. */
export function readMeta(metadata: Record<string, string>, fail: Fail): ModelMeta {
  const read = <K extends keyof ModelMeta>(field: K): ModelMeta[K] => {
    const [key, check, expected] = CHECKS[field];
    const text = metadata[key];
    if (text === undefined) return fail(`__metadata__ has no '${key}'`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail(`__metadata__ '${key}' is not JSON text`);
    }
    const checked = check(value);
    return checked === undefined ? fail(`__metadata__ '${key}' is not ${expected}`) : checked;
  };
  const meta: ModelMeta = {
    architecture: read('architecture'),
    training: read('training'),
    data: read('data'),
    iteration: read('iteration'),
    accuracy: read('accuracy'),
    samplerState: read('samplerState'),
    history: read('history'),
  };
  if ((meta.samplerState[0] | meta.samplerState[1] | meta.samplerState[2] | meta.samplerState[3]) === 0) {
    fail("__metadata__ 'sampler_state' is all zeros (not a state xoshiro128** can reach)");
  }
  if (meta.iteration > meta.training.iterations) {
    fail(`__metadata__ 'iteration' ${meta.iteration} is past the run's target of ${meta.training.iterations} iterations`);
  }
  return meta;
}
