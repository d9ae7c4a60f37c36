/**
 * A real HTTP server on 127.0.0.1 (port 0) standing in for dataset mirrors, for the download
 * tests: each URL is /BEHAVIOUR/NAME/FILE, so that one server is many mirrors at once
 * (BP_TRAIN_MIRRORS=http://127.0.0.1:PORT/missing,http://127.0.0.1:PORT/good). It counts the
 * connections it accepts and logs every request (path, Range header, status).
 *
 * Behaviours:
 * - good: the file (200), or the asked range (206 with Content-Range);
 * - missing: 404; unavailable: 503 every time; flaky: 503 the first time for each file, then good;
 * - html: a "200 OK" HTML error page; html-octet: the same page sent as application/octet-stream;
 * - truncated: half the file with the full Content-Length, then the connection closes; Range is
 *   ignored, so every attempt is cut again;
 * - cut-once: the first request for each file is cut halfway; later ones honour Range (resume);
 * - no-range: the first request is cut halfway, and Range is ignored (200 and the whole file);
 * - stall: the headers, then nothing (the body never comes); silent: no response at all;
 * - redirect: 302 to /good/...; redirect-loop: 302 to itself;
 * - corrupt: the right size and gzip magic, one byte changed in the middle;
 * - slow: the file in 20 pieces over about a second (a progress bar has time to draw).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';

export interface RequestRecord {
  behaviour: string;
  dataset: string;
  file: string;
  range: string | null;
  status: number;
}

export interface DatasetServer {
  /** http://127.0.0.1:PORT */
  origin: string;
  /** The base URL of one behaviour: origin + '/' + behaviour. */
  mirror(behaviour: string): string;
  /** BP_TRAIN_MIRRORS for these behaviours, in order. */
  mirrors(...behaviours: string[]): string;
  connections(): number;
  requests: RequestRecord[];
  close(): Promise<void>;
}

/** `files[dataset][file]`: the bytes served. */
export async function startDatasetServer(files: Record<string, Record<string, Buffer>>): Promise<DatasetServer> {
  const requests: RequestRecord[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  let connections = 0;
  const timers = new Set<NodeJS.Timeout>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const [, behaviour = '', dataset = '', file = ''] = decodeURIComponent((req.url ?? '').split('?')[0]).split('/');
    const range = req.headers.range ?? null;
    const key = `${behaviour}/${dataset}/${file}`;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    const log = (status: number): void => void requests.push({ behaviour, dataset, file, range, status });
    const body = files[dataset]?.[file];
    const html = Buffer.from('<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Try again later</body></html>');

    if (behaviour === 'silent') return void log(0); // never answers
    if (behaviour === 'missing' || body === undefined) {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (behaviour === 'unavailable' || (behaviour === 'flaky' && count === 1)) {
      log(503);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
      return;
    }
    if (behaviour === 'html' || behaviour === 'html-octet') {
      log(200);
      // html-octet: no Content-Length (chunked), so only the first bytes can tell
      const headers = behaviour === 'html' ? { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length } : { 'content-type': 'application/octet-stream' };
      res.writeHead(200, headers).end(html);
      return;
    }
    if (behaviour === 'redirect' || behaviour === 'redirect-loop') {
      log(302);
      const to = behaviour === 'redirect' ? `/good/${dataset}/${file}` : `/redirect-loop/${dataset}/${file}`;
      res.writeHead(302, { location: to, 'content-length': 0 }).end();
      return;
    }
    if (behaviour === 'stall') {
      log(200);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.flushHeaders();
      return; // the body never comes
    }
    const honoursRange = behaviour === 'good' || behaviour === 'flaky' || behaviour === 'slow' || behaviour === 'corrupt' || (behaviour === 'cut-once' && count > 1);
    const cut = behaviour === 'truncated' || ((behaviour === 'cut-once' || behaviour === 'no-range') && count === 1);
    let data = behaviour === 'corrupt' ? corrupted(body) : body;
    const match = honoursRange && range !== null ? /^bytes=(\d+)-$/.exec(range) : null;
    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': honoursRange ? 'bytes' : 'none' };
    if (match !== null) {
      const from = Number(match[1]);
      if (from >= data.length) {
        log(416);
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${from}-${data.length - 1}/${data.length}`;
      data = data.subarray(from);
    }
    headers['content-length'] = data.length;
    log(status);
    res.writeHead(status, headers);
    if (cut) {
      res.write(data.subarray(0, Math.floor(data.length / 2)), () => res.socket?.end()); // FIN after half the body
      return;
    }
    if (behaviour === 'slow') {
      const pieces = 20;
      const step = Math.ceil(data.length / pieces);
      let sent = 0;
      const next = (): void => {
        if (sent >= data.length) return void res.end();
        res.write(data.subarray(sent, sent + step));
        sent += step;
        const timer = setTimeout(next, 50);
        timers.add(timer);
      };
      next();
      return;
    }
    res.end(data);
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    mirror: (behaviour) => `${origin}/${behaviour}`,
    mirrors: (...behaviours) => behaviours.map((b) => `${origin}/${b}`).join(','),
    connections: () => connections,
    requests,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The bytes with the middle one changed: same size, same gzip magic, another checksum. */
function corrupted(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const middle = Math.floor(copy.length / 2);
  copy[middle] = copy[middle] ^ 0xff;
  return copy;
}

/** An HTTP proxy on 127.0.0.1 (CONNECT tunnels, which is how undici's ProxyAgent talks to it); counts the tunnels it opens. */
export async function startProxy(): Promise<{ url: string; tunnels: () => string[]; close: () => Promise<void> }> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = netConnect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels: () => tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
