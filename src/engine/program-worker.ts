/**
 * A helper thread of program-team.ts: build/program.wasm on the shared memory, serving the
 * team's commands (program.as.ts's serve) until told to quit. If its part fails, it says why
 * and marks the team block FAILED, so that no thread waits for it any more.
 */
import { workerData } from 'node:worker_threads';
import { FAILURES, TEAM_BYTES } from './layout.js';
import { instantiateProgram } from './program-memory.js';
import { markFailed, type ProgramWorkerInit, type ProgramWorkerMessage } from './program-team.js';

const init = workerData as ProgramWorkerInit;
const port = init.port;
const post = (message: ProgramWorkerMessage): void => port.postMessage(message);
try {
  const exports = instantiateProgram(init.module, init.memory);
  post('ready');
  exports.serve(init.team, init.thread, init.seen);
} catch (e) {
  post({ error: e instanceof Error ? e.message : String(e) }); // first: thread 0 reads it as soon as it sees FAILED
  markFailed(new Int32Array(init.memory.buffer, init.team, TEAM_BYTES / 4), FAILURES.FAILED);
}
port.close();
