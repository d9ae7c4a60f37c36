/**
 * Where the page servers listen (train --serve, serve): the defaults, and a failure to listen
 * as one usage line naming the option.
 */
import { ListenError } from '../serve/page-server.js';
import { UsageError } from './errors.js';
import { DEFAULT_HOST } from './options.js';

/** Runs `listen`, turning a ListenError into a UsageError about `portFlag` or --host. */
export async function listenOrExplain<T>(listen: () => Promise<T>, portFlag: string, host: string, port: number): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    throw new UsageError(listenProblem(err, portFlag, host, port));
  }
}

function listenProblem(err: ListenError, portFlag: string, host: string, port: number): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return `${portFlag} ${port}: the port is in use on ${host} (give another port, or 0 for any free one)`;
    case 'EACCES':
    case 'EPERM':
      return `${portFlag} ${port}: not allowed to listen on this port on ${host} (ports below 1024 need privileges: give a higher port, or 0)`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `--host ${host}: not an address of this machine (the default ${DEFAULT_HOST} is this machine only; 0.0.0.0 is every interface)`;
    default:
      return `cannot listen on ${host} port ${port}: ${err.message}`;
  }
}

/** The line that gives the page's URL (the one line --serve adds to a run's output). */
export function urlLine(what: string, url: string, host: string, loopback: boolean): string {
  const reach = loopback ? 'this machine only' : `listening on ${host}: others on the network can open it`;
  return `bp-train: ${what} at ${url} (${reach}; Ctrl-C stops it)`;
}
