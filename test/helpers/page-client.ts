/**
 * Clients of the page servers (train --serve, serve): the URL a command prints, exact HTTP
 * requests over a raw socket (so that '/../x' and '%2e%2e' reach the server as written, which
 * fetch would normalise away), and an event-stream reader.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { CliProcess } from './run-cli.js';

/** Resolves with the first http://... URL the command prints on `stream`. */
export function waitForUrl(cli: CliProcess, stream: 'stdout' | 'stderr', timeoutMs = 40_000): Promise<URL> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let exited = false;
    void cli.done.then(
      () => (exited = true),
      () => (exited = true),
    );
    const poll = (): void => {
      const m = /(http:\/\/\S+\/)/.exec(stream === 'stdout' ? cli.stdout() : cli.stderr());
      if (m) return resolve(new URL(m[1]));
      if (exited || Date.now() - started > timeoutMs) {
        return reject(new Error(`no URL on ${stream}${exited ? ' before the command ended' : ` within ${timeoutMs} ms`}\n--- stdout:\n${cli.stdout()}\n--- stderr:\n${cli.stderr()}`));
      }
      setTimeout(poll, 20);
    };
    poll();
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (request line and headers, CRLF-separated, without the blank line) and `body`
 * exactly as given on a new connection, and reads one response (to its Content-Length, or to
 * the connection's end; only the headers of a HEAD).
 */
export function rawRequest(url: URL, head: string, body: Buffer | string = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = text.slice(0, end).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1]);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
      const bodyBytes = data.subarray(Buffer.byteLength(text.slice(0, end + 4), 'latin1'));
      const bodyless = head.startsWith('HEAD ') || status === 304;
      if (!bodyless && length !== undefined && bodyBytes.length < length) return;
      settled = true;
      socket.destroy();
      resolve({ status, headers, body: bodyless ? '' : bodyBytes.subarray(0, length ?? bodyBytes.length).toString('utf8') });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish();
    });
    socket.on('end', () => {
      finish();
      if (!settled) reject(new Error(`the connection closed without a whole response: ${JSON.stringify(data.toString('latin1'))}`));
    });
    socket.on('error', (err) => {
      finish();
      if (!settled) reject(err);
    });
    socket.write(`${head}\r\n\r\n`);
    if (body.length > 0) socket.write(body, () => {});
  });
}

/** One event of a text/event-stream. */
export interface StreamEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** Reads /events until the stream ends: `events` grows as they come, `done` resolves at the end. */
export function readEvents(base: URL, headers: Record<string, string> = {}): { events: StreamEvent[]; done: Promise<void> } {
  const events: StreamEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const req = request(new URL('events', base), { headers }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`/events answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const name = colon < 0 ? line : line.slice(0, colon);
            fields[name] = (fields[name] === undefined ? '' : `${fields[name]}\n`) + (colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, ''));
          }
          if (fields.data !== undefined) events.push({ event: fields.event ?? 'message', id: fields.id, data: fields.data });
        }
      });
      res.on('end', () => resolve());
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  done.catch(() => {}); // handled here too: a caller may await something else first, and still sees the rejection when it awaits done
  return { events, done };
}
