/**
 * A helper thread of wasm-team.ts: the module on the shared memory, serving the team's commands
 * (simd.as.ts's teamServe) until told to quit. If its part fails, it marks the team block
 * FAILED (so that no thread waits for it any more) and says why.
 */
import { workerData } from 'node:worker_threads';
import { instantiate } from './wasm-module.js';
import { markFailed, TEAM_BYTES, type TeamWorkerInit, type TeamWorkerMessage } from './wasm-team.js';

const init = workerData as TeamWorkerInit;
const port = init.port;
const post = (message: TeamWorkerMessage): void => port.postMessage(message);
try {
  const exports = instantiate(init.module, init.memory);
  post('ready');
  exports.teamServe(init.net, init.team, init.thread, init.seen);
} catch (e) {
  post({ error: e instanceof Error ? e.message : String(e) }); // first: thread 0 reads it as soon as it sees FAILED
  markFailed(new Int32Array(init.memory.buffer, init.team, TEAM_BYTES / 4), 1);
}
port.close();
