/**
 * A run's network and optimizer in a few words, for the start line, the summary and the
 * metrics file: "784-100-100-10 relu he" and "adam lr 0.001 beta1 0.9 beta2 0.999".
 */
import type { ResolvedNetSpec, WeightInit } from '../network/spec.js';

/** 'std' (a plain standard deviation), 'xavier' or 'he': what --init calls the three initialisations. */
export type InitName = 'std' | 'xavier' | 'he';

export function initName(weightInitStd: WeightInit): InitName {
  if (typeof weightInitStd === 'number') return 'std';
  const name = weightInitStd.toLowerCase();
  return name === 'xavier' || name === 'sigmoid' ? 'xavier' : 'he';
}

/** "std 0.01", "xavier" or "he". */
export function initText(weightInitStd: WeightInit): string {
  return typeof weightInitStd === 'number' ? `std ${weightInitStd}` : initName(weightInitStd);
}

/** "784-50-10 relu std 0.01", with "batchnorm", "dropout 0.5" and "weight decay 0.1" when the net has them. */
export function networkText(spec: ResolvedNetSpec, weightDecayLambda = 0): string {
  const sizes = [spec.inputSize, ...spec.hiddenSizeList, spec.outputSize].join('-');
  const extras = [
    spec.useBatchnorm ? 'batchnorm' : '',
    spec.useDropout ? `dropout ${spec.dropoutRatio}` : '',
    weightDecayLambda !== 0 ? `weight decay ${weightDecayLambda}` : '',
  ].filter((s) => s !== '');
  return [sizes, spec.activation, initText(spec.weightInitStd), ...extras].join(' ');
}

/** "sgd lr 0.1", "adam lr 0.001 beta1 0.9 beta2 0.999": the name, then every hyperparameter. */
export function optimizerText(name: string, hyper: Readonly<Record<string, number>>): string {
  return [name, ...Object.entries(hyper).map(([k, v]) => `${k} ${v}`)].join(' ');
}

/** The book's class for a network: 'TwoLayerNet' for the chapter-5 one (one hidden ReLU layer, a plain std), else 'MultiLayerNet'. */
export function netClassName(
  net: { hiddenSizeList: readonly number[]; activation: string; weightInitStd: WeightInit; useBatchnorm?: boolean; useDropout?: boolean },
  weightDecayLambda = 0,
): 'TwoLayerNet' | 'MultiLayerNet' {
  const chapter5 = net.hiddenSizeList.length === 1 && net.activation === 'relu' && typeof net.weightInitStd === 'number';
  return chapter5 && net.useBatchnorm !== true && net.useDropout !== true && weightDecayLambda === 0 ? 'TwoLayerNet' : 'MultiLayerNet';
}
