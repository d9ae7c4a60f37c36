/**
 * NetSpec: what a fully connected network is, as plain data (the arguments of the book's
 * MultiLayerNet): sizes, activation and how the weights start. It holds no numbers and no
 * layers; plan.ts turns it into the named layer list and init.ts into weights.
 *
 * Batch normalisation and dropout (the book's MultiLayerNetExtend) are optional fields, each
 * off by default, so that a spec without them keeps its meaning.
 */

export const ACTIVATIONS = ['relu', 'sigmoid', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The named initial scales: 'he' = 'relu' (sqrt(2 / fan-in)), 'xavier' = 'sigmoid' (sqrt(1 / fan-in)). */
export const WEIGHT_INITS = ['he', 'relu', 'xavier', 'sigmoid'] as const;
export type WeightInitName = (typeof WEIGHT_INITS)[number];
/** A plain standard deviation for every layer, or a named fan-in scale. */
export type WeightInit = number | WeightInitName;

export interface NetSpec {
  inputSize: number;
  /** Widths of the hidden layers, first to last: [100, 100] is 784-100-100-10. */
  hiddenSizeList: readonly number[];
  outputSize: number;
  /** The book's default: 'relu'. */
  activation?: Activation;
  /** The book's default: 'relu' (He). Names are matched in any case, as the book does. */
  weightInitStd?: WeightInit;
  /** The book's use_batchnorm: a BatchNorm_i after each hidden Affine_i (default false). */
  useBatchnorm?: boolean;
  /** The book's use_dropout: a Dropout_i after each hidden activation_i (default false). */
  useDropout?: boolean;
  /** The book's dropout_ration (sic): the share of units dropped, in [0, 1) (default 0.5). */
  dropoutRatio?: number;
}

/** A NetSpec with its defaults filled in and every field checked. */
export interface ResolvedNetSpec {
  readonly inputSize: number;
  readonly hiddenSizeList: readonly number[];
  readonly outputSize: number;
  readonly activation: Activation;
  readonly weightInitStd: number | WeightInitName;
  readonly useBatchnorm: boolean;
  readonly useDropout: boolean;
  readonly dropoutRatio: number;
}

/**
 * Fills in the defaults and checks every field.
 * @throws RangeError naming the field, the value and what is allowed; `who` prefixes it.
 */
export function resolveSpec(spec: NetSpec, who = 'NetSpec'): ResolvedNetSpec {
  const { inputSize, hiddenSizeList, outputSize, activation = 'relu', weightInitStd = 'relu' } = spec;
  const { useBatchnorm = false, useDropout = false, dropoutRatio = 0.5 } = spec;
  positiveInteger(who, 'inputSize', inputSize);
  positiveInteger(who, 'outputSize', outputSize);
  if (outputSize < 2) throw new RangeError(`${who}: outputSize must be at least 2 (the softmax of one class is always 1, its loss always 0), got ${outputSize}`);
  if (!Array.isArray(hiddenSizeList)) {
    throw new RangeError(`${who}: hiddenSizeList must be an array of positive integers, got ${String(hiddenSizeList)}`);
  }
  hiddenSizeList.forEach((size, i) => positiveInteger(who, `hiddenSizeList[${i}]`, size));
  if (!(ACTIVATIONS as readonly unknown[]).includes(activation)) {
    throw new RangeError(`${who}: activation must be one of ${ACTIVATIONS.join(', ')}, got ${show(activation)}`);
  }
  for (const [name, value] of Object.entries({ useBatchnorm, useDropout })) {
    if (typeof value !== 'boolean') throw new RangeError(`${who}: ${name} must be true or false, got ${show(value)}`);
  }
  if (!(typeof dropoutRatio === 'number' && dropoutRatio >= 0 && dropoutRatio < 1)) {
    throw new RangeError(`${who}: dropoutRatio must be a number in [0, 1), got ${show(dropoutRatio)}`);
  }
  return {
    inputSize,
    hiddenSizeList: [...hiddenSizeList],
    outputSize,
    activation,
    weightInitStd: resolveWeightInit(who, weightInitStd),
    useBatchnorm,
    useDropout,
    dropoutRatio,
  };
}

function resolveWeightInit(who: string, value: unknown): number | WeightInitName {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const name = typeof value === 'string' ? value.toLowerCase() : value;
  if ((WEIGHT_INITS as readonly unknown[]).includes(name)) return name as WeightInitName;
  throw new RangeError(
    `${who}: weightInitStd must be a finite number >= 0 or one of ${WEIGHT_INITS.join(', ')}, got ${show(value)}`,
  );
}

function positiveInteger(who: string, name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new RangeError(`${who}: ${name} must be a positive integer, got ${show(value)}`);
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}
