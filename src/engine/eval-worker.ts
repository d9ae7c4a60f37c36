/**
 * An evaluation worker of eval-pool.ts: holds a share of the train and test images (and of the
 * validation images, when there are some) and a net
 * of the run's spec, and for each request (the parameters and running stats) answers how many
 * of its images the net classifies correctly (test mode). It uses the main thread's backend,
 * so both count with the same arithmetic.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../kernels/backend.js';
import { MultiLayerNet } from '../network/multi-layer-net.js';
import { RangeCounter } from './count-correct.js';
import type { CountReply, CountRequest, Counts, WorkerInit } from './eval-pool.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('eval-worker.js runs as a worker thread only');

setBackend(init.backend);
// The weights come with every request: the initial ones drawn here are never used.
const net = new MultiLayerNet({ ...init.spec, weightInitStd: 0, dtype: init.dtype });
const train = new RangeCounter(init.train, net);
const test = new RangeCounter(init.test, net);
const validation = init.validation === undefined ? null : new RangeCounter(init.validation, net);

port.on('message', (request: CountRequest | 'close') => {
  if (request === 'close') {
    // Leave by ourselves once idle: the pool's close() asks for this instead of terminate(),
    // which can tear the isolate down under a background compile job and abort the process.
    void Promise.all([train.release(), test.release(), validation?.release()]).finally(() => port.close());
    return;
  }
  answer(request).then(
    (reply) => port.postMessage(reply),
    (e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies CountReply),
  );
});

async function answer(request: CountRequest): Promise<CountReply> {
  for (const [name, m] of Object.entries(net.params)) m.data.set(request.params[name]);
  for (const [name, m] of Object.entries(net.buffers)) m.data.set(request.buffers[name]);
  const counts: Counts = { train: await train.count(0, init.train.count), test: await test.count(0, init.test.count) };
  if (validation !== null) counts.validation = await validation.count(0, validation.split.count);
  return counts;
}
