/**
 * The worker thread of confusion-runner.ts: holds the test split, and for each model file it is
 * sent (bytes) answers with its confusion matrix and first mistakes (train/confusion.ts), so
 * that the training thread never spends a moment on what the live page shows. It uses the
 * run's backend, as `bp-train eval` would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../kernels/backend.js';
import { decodeModel } from '../model/model-decode.js';
import { confusionMatrix } from '../train/confusion.js';
import type { ConfusionInit, ConfusionReply, ConfusionRequest } from './confusion-runner.js';
import { MAX_MISTAKES } from './protocol.js';

const init = workerData as ConfusionInit;
const port = parentPort;
if (port === null) throw new Error('confusion-worker.js runs as a worker thread only');

setBackend(init.backend);

port.on('message', (request: ConfusionRequest | 'close') => {
  if (request === 'close') {
    port.close(); // leave by ourselves once idle (terminate() can abort the process: see eval-worker.ts)
    return;
  }
  let reply: ConfusionReply;
  try {
    const { net } = decodeModel(request.model, 'the live model');
    reply = { id: request.id, result: confusionMatrix(net, init.test, MAX_MISTAKES) };
  } catch (e) {
    reply = { id: request.id, error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
});
