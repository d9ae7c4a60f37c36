/**
 * What an optimiser is (book 6.1): `update(params, grads)` changes every parameter in place
 * from its gradient. Parameters are any record of named matrices (W1..WL, b1..bL, later
 * gamma/beta); a gradient record may carry other keys (the `loss` of `gradient()`), which are
 * ignored: the keys of `params` decide what is updated.
 *
 * SlotOptimizer is the common base, as in tinygrad's optim.py: it owns the per-parameter
 * state and the checks, and a subclass writes only `step`, the update of one parameter. The
 * state tensors are called slots (the Keras/TensorFlow word): Momentum's `v`, AdaGrad's `h`,
 * Adam's `m` and `v`, one per parameter, created as zeros on its first update, and named
 * `<slot>.<param>` (`v.W1`, `m.b2`) in `state()`, with the scalars (Adam's `t`) beside them.
 * `loadState(state())` on a fresh optimiser continues bit for bit.
 */
import { Matrix, type FloatArray } from '../kernels/matrix.js';

export const OPTIMIZER_NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export type NamedMatrices = Readonly<Record<string, Matrix>>;
/** Gradients keyed like the parameters; other keys (a number `loss`) are ignored. */
export type GradientRecord = Readonly<Record<string, Matrix | number>>;

export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: Record<string, FloatArray>;
}

export interface Optimizer {
  readonly name: OptimizerName;
  update(params: NamedMatrices, grads: GradientRecord): void;
  /** The hyperparameters under the book's names (lr, momentum, decayRate, beta1, beta2). */
  hyper(): Record<string, number>;
  /** A copy of the state: slots as `<slot>.<param>`, and scalars. */
  state(): OptimizerState;
  /** Replaces the whole state with a copy of `state` (from `state()` of the same kind). */
  loadState(state: OptimizerState): void;
}

export abstract class SlotOptimizer implements Optimizer {
  abstract readonly name: OptimizerName;
  /** The names of the per-parameter state tensors; [] for SGD. */
  protected abstract readonly slotNames: readonly string[];
  /** Slot tensors keyed `<slot>.<param>`. */
  private slots = new Map<string, FloatArray>();
  /** The same tensors by parameter name, in `slotNames` order (so an update allocates nothing). */
  private byParam = new Map<string, FloatArray[]>();

  abstract hyper(): Record<string, number>;

  /** Updates one parameter p from its gradient g, given its slots in `slotNames` order. */
  protected abstract step(p: FloatArray, g: FloatArray, slots: FloatArray[]): void;

  /** Called once per update, after the checks and before any step (Adam counts t here). */
  protected beginUpdate(): void {}

  protected scalarState(): Record<string, number> {
    return {};
  }

  /** Checks and applies the scalars of a loaded state; the default accepts none. */
  protected loadScalars(scalars: Record<string, number>): void {
    const extra = Object.keys(scalars);
    if (extra.length > 0) throw new RangeError(`${this.label}.loadState: unexpected scalar '${extra[0]}'`);
  }

  update(params: NamedMatrices, grads: GradientRecord): void {
    // Every check before any change, so a bad call leaves params and state as they were.
    const names = Object.keys(params);
    for (const name of names) {
      const p = params[name];
      const g = grads[name];
      if (!(g instanceof Matrix)) throw new RangeError(`${this.label}.update: no gradient for parameter '${name}'`);
      if (g.rows !== p.rows || g.cols !== p.cols) {
        throw new RangeError(`${this.label}.update: gradient '${name}' is ${g.rows} x ${g.cols}, the parameter ${p.rows} x ${p.cols}`);
      }
      for (const slot of this.slotNames) this.checkSlot(`${slot}.${name}`, name, p);
    }
    this.beginUpdate();
    for (const name of names) {
      const p = params[name];
      this.step(p.data, (grads[name] as Matrix).data, this.slotsOf(name, p));
    }
  }

  state(): OptimizerState {
    const tensors: Record<string, FloatArray> = {};
    for (const [key, data] of this.slots) tensors[key] = data.slice();
    return { scalars: this.scalarState(), tensors };
  }

  loadState(state: OptimizerState): void {
    if (typeof state !== 'object' || state === null || typeof state.tensors !== 'object' || typeof state.scalars !== 'object' || state.tensors === null || state.scalars === null) {
      throw new TypeError(`${this.label}.loadState: expected { scalars, tensors } as state() gives, got ${state === null ? 'null' : typeof state === 'object' ? `an object with ${Object.keys(state).join(', ') || 'no keys'}` : typeof state}`);
    }
    const slots = new Map<string, FloatArray>();
    const params = new Set<string>();
    for (const [key, data] of Object.entries(state.tensors)) {
      const dot = key.indexOf('.');
      if (dot < 0 || !this.slotNames.includes(key.slice(0, dot))) {
        const expected = this.slotNames.length === 0 ? 'none' : this.slotNames.map((s) => `${s}.<param>`).join(', ');
        throw new RangeError(`${this.label}.loadState: unexpected tensor '${key}' (expected ${expected})`);
      }
      if (!(data instanceof Float32Array || data instanceof Float64Array)) {
        throw new RangeError(`${this.label}.loadState: tensor '${key}' is not a Float32Array or Float64Array`);
      }
      slots.set(key, data.slice());
      params.add(key.slice(dot + 1));
    }
    for (const param of params) {
      for (const slot of this.slotNames) {
        if (!slots.has(`${slot}.${param}`)) throw new RangeError(`${this.label}.loadState: '${slot}.${param}' is missing`);
      }
    }
    this.loadScalars({ ...state.scalars });
    this.slots = slots;
    this.byParam = new Map();
  }

  /** The class name, for messages (SGD, Adam, ...). */
  protected get label(): string {
    return this.constructor.name;
  }

  /** A loaded or earlier slot must fit its parameter (not one of another net or shape). */
  private checkSlot(key: string, param: string, p: Matrix): void {
    const data = this.slots.get(key);
    if (data !== undefined && (data.length !== p.size || data.constructor !== p.data.constructor)) {
      throw new RangeError(
        `${this.label}.update: state '${key}' is a ${data.constructor.name} of ${data.length} values, ` +
          `parameter '${param}' a ${p.data.constructor.name} of ${p.size}`,
      );
    }
  }

  /** The parameter's slots in `slotNames` order, each created as zeros of its type on first use. */
  private slotsOf(param: string, p: Matrix): FloatArray[] {
    let list = this.byParam.get(param);
    if (list === undefined) {
      list = this.slotNames.map((slot) => {
        const key = `${slot}.${param}`;
        let data = this.slots.get(key);
        if (data === undefined) {
          data = p.data instanceof Float64Array ? new Float64Array(p.size) : new Float32Array(p.size);
          this.slots.set(key, data);
        }
        return data;
      });
      this.byParam.set(param, list);
    }
    return list;
  }
}

/** Throws a RangeError unless lo <= value < hi (lo < value when `loOpen`), naming the hyperparameter. */
export function checkHyper(who: string, name: string, value: number, lo: number, hi: number, loOpen = false): void {
  const ok = Number.isFinite(value) && (loOpen ? value > lo : value >= lo) && value < hi;
  if (!ok) {
    const range = `${loOpen ? '>' : '>='} ${lo}${Number.isFinite(hi) ? ` and < ${hi}` : ''}`;
    const shown = typeof value === 'string' ? `the string '${value}'` : String(value);
    throw new RangeError(`${who}: ${name} must be a finite number ${range}, got ${shown}`);
  }
}
