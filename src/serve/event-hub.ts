/**
 * The run as the pages see it: every run event (events.ts, and the summary) turned into its
 * --json text once, kept for pages that connect later (a tab opened mid-run gets the whole run
 * so far, then live events), and sent to every connected page (sse-client.ts). Also the latest
 * snapshot (the model at the last measurement, protocol.ts) and, at the end, the `end` event.
 *
 * Event ids are "<run>.<n>": a page that reconnects (EventSource does, with Last-Event-ID) is
 * sent only what it missed, unless it watched another run before (a new run on the same port).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TrainEvent } from '../train/events.js';
import type { Summary } from '../train/summary.js';
import { SseClient } from './sse-client.js';

/** Keep-alive comments this often, so that idle connections stay open. */
const KEEP_ALIVE_MS = 15_000;
/** How soon a browser reconnects after losing the stream. */
const RETRY_MS = 1000;

export class EventHub {
  private readonly run = randomBytes(4).toString('hex');
  /** The JSON text of every run event but progress, in order: event n has id `${run}.${n}`. */
  private readonly log: string[] = [];
  /** The latest progress event, until a run event follows it. */
  private progress: string | null = null;
  private snapshotJson: string | null = null;
  private ended = false;
  private readonly clients = new Set<SseClient>();
  private readonly timer: NodeJS.Timeout;
  /** Called after a page has connected (and been sent what it missed). */
  onConnect: () => void = () => {};

  constructor() {
    this.timer = setInterval(() => {
      for (const c of this.clients) c.keepAlive();
    }, KEEP_ALIVE_MS);
    this.timer.unref();
  }

  /** Pages connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** A run event or the summary: the same JSON text as its --json line. */
  runEvent(e: TrainEvent | Summary): void {
    const data = JSON.stringify(e);
    if (e.event === 'progress') {
      this.progress = data;
      for (const c of this.clients) c.progress(data);
      return;
    }
    this.progress = null;
    this.log.push(data);
    const id = `${this.run}.${this.log.length}`;
    for (const c of this.clients) c.event(id, data);
  }

  /** The latest snapshot's JSON text (protocol.ts Snapshot). */
  snapshot(json: string): void {
    this.snapshotJson = json;
    for (const c of this.clients) c.snapshot(json);
  }

  /** A GET /events: the stream's headers, what the page missed, then live events. */
  connect(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'close', // when the stream ends, so does the connection (nothing is left open at the end of a run)
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    req.socket.setNoDelay(true);
    const client = new SseClient(res, (c) => this.clients.delete(c));
    client.raw(`retry: ${RETRY_MS}\n\n`);
    for (let n = this.seen(req.headers['last-event-id']); n < this.log.length; n++) client.event(`${this.run}.${n + 1}`, this.log[n]);
    if (this.progress !== null) client.progress(this.progress);
    if (this.snapshotJson !== null) client.snapshot(this.snapshotJson);
    if (this.ended) {
      client.end();
      return;
    }
    this.clients.add(client);
    this.onConnect();
  }

  /** The run is over: every page gets the `end` event and its stream ends. */
  end(): void {
    this.ended = true;
    clearInterval(this.timer);
    for (const c of [...this.clients]) c.end();
    this.clients.clear();
  }

  /** How many of this run's events a reconnecting page already has (0 for a new page or another run). */
  private seen(lastEventId: string | string[] | undefined): number {
    const m = typeof lastEventId === 'string' ? /^([0-9a-f]+)\.(\d+)$/.exec(lastEventId) : null;
    if (m === null || m[1] !== this.run) return 0;
    return Math.min(Number(m[2]), this.log.length);
  }
}
