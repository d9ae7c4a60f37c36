/**
 * `bp-train serve --model FILE`: the page of a saved model on 127.0.0.1 (its history, its
 * first layer's weights, its confusion matrix and mistakes, the digit pad), until Ctrl-C,
 * SIGTERM or SIGHUP, which end it with exit code 0 (stopping is how a server ends).
 */
import { closeSync } from 'node:fs';
import tty from 'node:tty';
import { readPageFiles, servedFiles } from '../../serve/page-files.js';
import { PageServer } from '../../serve/page-server.js';
import { processOutput } from '../../report/reporter.js';
import { EXIT } from '../errors.js';
import { STOP_SIGNALS, type StopSignal } from '../interrupt.js';
import { listenOrExplain, urlLine } from '../listen.js';
import { modelPageData, type ModelPageCliOptions } from './model-page.js';

export interface ServeCliOptions extends ModelPageCliOptions {
  port: number;
  host: string;
}

export async function serveCommand(opts: ServeCliOptions): Promise<number> {
  const built = readPageFiles(); // a missing build fails before the model and data are read
  const data = await modelPageData(opts);
  const server = await listenOrExplain(() => PageServer.start({ host: opts.host, port: opts.port, files: servedFiles(built, data) }), '--port', opts.host, opts.port);
  processOutput.out(urlLine(`the page of ${opts.model}`, server.url, opts.host, server.loopback));
  const signal = await untilStopped();
  if (signal === 'SIGHUP') closeTerminalsAtExit(terminals);
  await server.close(500);
  return EXIT.ok;
}

/** The standard descriptors that are terminals, found while the terminal is still there. */
const terminals = [0, 1, 2].filter((fd) => tty.isatty(fd));

function untilStopped(): Promise<StopSignal> {
  return new Promise((resolve) => {
    const handlers = STOP_SIGNALS.map((signal) => {
      const handler = (): void => {
        for (const h of handlers) process.off(h.signal, h.handler);
        resolve(signal);
      };
      process.on(signal, handler);
      return { signal, handler };
    });
  });
}

/** A terminal that hung up: Node 20 aborts on exit restoring it (see interrupt.ts), unless its descriptors are closed first. */
function closeTerminalsAtExit(fds: number[]): void {
  process.once('exit', () => {
    for (const fd of fds) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  });
}
