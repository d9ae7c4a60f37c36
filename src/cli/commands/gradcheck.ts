/**
 * `bp-train gradcheck`: backprop against numerical gradients on the first training images
 * (book 5.7.3). Exit 0 when every mean difference is within --tolerance, 1 otherwise.
 */
import chalk from 'chalk';
import { loadDataset } from '../../data/sources.js';
import { gradcheck, gradcheckNet, type GradcheckConfig, type GradcheckResult } from '../../train/gradcheck.js';
import { networkText } from '../../train/names.js';
import { netFromOptions, type NetCliOptions } from '../net-options.js';
import { decideColor, initColor } from '../../report/color.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT } from '../errors.js';
import { selectBackend } from '../setup.js';
import { prepareData } from '../prepare-data.js';
import { kernels, type BackendName } from '../../kernels/backend.js';

export interface GradcheckCliOptions extends NetCliOptions {
  samples: number;
  seed: number;
  data: string;
  offline?: boolean;
  dtype: 'float64' | 'float32';
  tolerance?: number;
  backend?: BackendName;
  json?: boolean;
  debug?: boolean;
}

export const DEFAULT_TOLERANCE = { float64: 1e-7, float32: 1e-5 } as const;

export async function gradcheckCommand(opts: GradcheckCliOptions): Promise<number> {
  initColor(decideColor(process.env, process.stdout.isTTY === true && !opts.json));
  const net = netFromOptions(opts);
  selectBackend(opts.backend);
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE[opts.dtype];
  await prepareData(opts.data, { offline: opts.offline });
  const dataset = loadDataset(opts.data, { trainLimit: opts.samples, testLimit: 1 });
  const config: GradcheckConfig = { ...net, samples: opts.samples, seed: opts.seed, dtype: opts.dtype };
  const results = gradcheck(dataset.train, config);
  const ok = results.every((r) => r.meanAbsDiff <= tolerance);
  if (opts.json) {
    for (const r of results) processOutput.out(JSON.stringify({ ...r, dtype: opts.dtype, backend: kernels().name, tolerance, passed: r.meanAbsDiff <= tolerance }));
  } else {
    processOutput.out(
      `gradient check: ${dataset.train.count} ${dataset.source} image${dataset.train.count === 1 ? '' : 's'}, ${networkText(gradcheckNet(dataset.train, config).spec, config.weightDecayLambda)}, ${opts.dtype}, ` +
        `backend ${backendNote(opts.dtype)}, tolerance ${tolerance}`,
    );
    processOutput.out(`param  ${'mean |diff|'.padStart(12)}  ${'max |diff|'.padStart(12)}  ${'max rel err'.padStart(12)}`);
    for (const r of results) processOutput.out(resultLine(r, tolerance));
    const failed = results.filter((r) => !(r.meanAbsDiff <= tolerance)).map((r) => r.param);
    processOutput.out(ok ? chalk.green('ok: backprop matches the numerical gradient') : chalk.red(`FAILED: the mean difference of ${failed.join(', ')} is above the tolerance ${tolerance}`));
  }
  return ok ? EXIT.ok : EXIT.gateFailed;
}

function resultLine(r: GradcheckResult, tolerance: number): string {
  const mean = r.meanAbsDiff.toExponential(2).padStart(12);
  const line = `${r.param.padEnd(5)}  ${mean}  ${r.maxAbsDiff.toExponential(2).padStart(12)}  ${r.maxRelError.toExponential(2).padStart(12)}`;
  return r.meanAbsDiff <= tolerance ? line : chalk.red(line);
}

/** The wasm kernels are float32 only: they hand float64 work to the js reference kernels. */
function backendNote(dtype: 'float64' | 'float32'): string {
  const name = kernels().name;
  return name === 'wasm' && dtype === 'float64' ? 'wasm (float64 runs on the js kernels)' : name;
}
