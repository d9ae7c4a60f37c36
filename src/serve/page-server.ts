/**
 * The page's HTTP server (node:http): the page's own files from memory, and the event stream.
 *
 * Safety, by construction:
 *   - a request's path is looked up as a whole in a fixed table of names ('/', '/index.html',
 *     '/page.js', '/page.css', '/data.js', '/events'); it is never decoded, normalised or joined
 *     to a folder, so '/../package.json', '%2e%2e', '//etc/passwd' or an absolute-form URL are
 *     simply not in the table: 404. No request reads or writes a file (the files are read once,
 *     at start, by page-files.ts);
 *   - only GET and HEAD (405 otherwise); no route takes a body, and a body over MAX_BODY_BYTES
 *     (declared or sent chunked) gets 413 and the connection is closed;
 *   - on a loopback address, requests must name it (or localhost) in their Host header, so a
 *     web page whose name was rebound to 127.0.0.1 cannot read the run (421 otherwise);
 *   - headers: a strict Content-Security-Policy, nosniff, no referrer, no framing, no caching.
 * Listening on 127.0.0.1 by default keeps the page on this machine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import type { EventHub } from './event-hub.js';

/** Request bodies are never used; this much is read (and ignored) before a request is refused. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Most connections at once (each tab keeps one open for the events). */
const MAX_CONNECTIONS = 256;

export interface PageFile {
  type: string;
  body: Buffer;
}

export interface PageServerOptions {
  host: string;
  port: number;
  /** The files by request path ('/index.html', ...); '/' serves '/index.html'. */
  files: ReadonlyMap<string, PageFile>;
  /** The event stream at /events (a live run only). */
  events?: EventHub;
}

/** Why the server could not listen: `code` is the system's (EADDRINUSE, EACCES, EADDRNOTAVAIL, ENOTFOUND...). */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  // vega compiles its expressions with new Function ('unsafe-eval') and styles SVG inline.
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
} as const;

export class PageServer {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    /** The address as it goes in a URL (IPv6 in brackets). */
    readonly url: string,
    readonly port: number,
    /** Whether it listens on a loopback address, as bound (so '127.1' and 'LOCALHOST' count too): requests must then name it in Host. */
    readonly loopback: boolean,
  ) {}

  /** Listens on host:port (port 0: any free port). @throws ListenError */
  static async start(options: PageServerOptions): Promise<PageServer> {
    // Decided from the address bound, below, before any request can come; until then the stricter rule.
    let loopback = true;
    const sockets = new Set<Socket>();
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
      handle(req, res, options, loopback);
    });
    server.maxConnections = MAX_CONNECTIONS;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void => reject(new ListenError(err.code ?? 'EUNKNOWN', err.message));
      server.once('error', fail);
      server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
        server.off('error', fail);
        resolve();
      });
    });
    const { port, address } = server.address() as AddressInfo;
    loopback = isLoopback(address) || /^::ffff:127\./i.test(address);
    const host = isIP(options.host) === 6 ? `[${options.host}]` : options.host;
    return new PageServer(server, sockets, `http://${host}:${port}/`, port, loopback);
  }

  /**
   * Stops listening, then waits up to `graceMs` for the open responses to be delivered (the
   * event streams end with the run, hub.end()) before cutting what is left.
   */
  async close(graceMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}

function handle(req: IncomingMessage, res: ServerResponse, options: PageServerOptions, loopback: boolean): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (!(declared <= MAX_BODY_BYTES)) {
    refuse(res, 413, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    return;
  }
  let received = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_BODY_BYTES && !refused) {
      refused = true;
      refuse(res, 413, `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    }
  });
  req.on('end', () => {
    if (!refused) route(req, res, options, loopback);
  });
  req.on('error', () => res.destroy());
}

function route(req: IncomingMessage, res: ServerResponse, options: PageServerOptions, loopback: boolean): void {
  if (loopback && !namesLoopback(req.headers.host)) {
    send(res, req, 421, 'text/plain; charset=utf-8', Buffer.from('this server answers to 127.0.0.1 and localhost only\n'));
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, req, 405, 'text/plain; charset=utf-8', Buffer.from('only GET and HEAD\n'));
    return;
  }
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (path === '/events' && options.events !== undefined) {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    options.events.connect(req, res);
    return;
  }
  const file = options.files.get(path === '/' ? '/index.html' : path);
  if (file === undefined) {
    send(res, req, 404, 'text/plain; charset=utf-8', Buffer.from('not found\n'));
    return;
  }
  send(res, req, 200, file.type, file.body);
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Answers and closes the connection (the rest of the body is not read). */
function refuse(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, Connection: 'close' });
  res.end(body, () => res.socket?.destroySoon());
}

/** 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Whether a Host header names a loopback address (any port). */
function namesLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(host.trim().toLowerCase());
  if (m === null) return false;
  const name = m[1].startsWith('[') ? m[1].slice(1, -1) : m[1];
  return isLoopback(name) || name === 'localhost.';
}
