/**
 * One page watching a run: a text/event-stream response with a bound on what waits for it.
 * A tab that reads slowly (or not at all: a background tab, a stalled network) never holds up
 * anything: writes only append to its socket's buffer, and
 *   - run events (a few hundred bytes each) are always queued, up to MAX_QUEUED_BYTES; a client
 *     that far behind is disconnected (its browser reconnects and catches up from its last id);
 *   - progress and snapshot events are only sent while less than SOFT_QUEUED_BYTES wait: older
 *     progress is dropped, and the latest snapshot is kept to be sent when the buffer drains.
 */
import type { ServerResponse } from 'node:http';
import { END_EVENT, SNAPSHOT_EVENT } from './protocol.js';

export const SOFT_QUEUED_BYTES = 1 << 20;
export const MAX_QUEUED_BYTES = 64 << 20;

export class SseClient {
  private pendingSnapshot: string | null = null;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly onClose: (client: SseClient) => void,
  ) {
    res.on('close', () => this.close());
    res.on('drain', () => this.flushSnapshot());
  }

  /** A run event with its id (all but progress). */
  event(id: string, data: string): void {
    this.write(`id: ${id}\ndata: ${data}\n\n`);
    if (this.res.writableLength > MAX_QUEUED_BYTES) this.res.destroy();
  }

  /** A progress event: dropped while the client is behind (the next one supersedes it). */
  progress(data: string): void {
    if (this.res.writableLength <= SOFT_QUEUED_BYTES) this.write(`data: ${data}\n\n`);
  }

  /** The latest snapshot: sent now, or when the buffer has drained (newer ones replace it meanwhile). */
  snapshot(json: string): void {
    this.pendingSnapshot = json;
    this.flushSnapshot();
  }

  /** A comment line, so that idle connections are not cut by proxies. */
  keepAlive(): void {
    if (this.res.writableLength <= SOFT_QUEUED_BYTES) this.write(': keep-alive\n\n');
  }

  /** Any SSE field text (the stream's opening `retry:`). */
  raw(text: string): void {
    this.write(text);
  }

  /** The run is over: says so and ends the response (what is queued is still delivered). */
  end(): void {
    if (this.closed) return;
    this.flushSnapshot(true);
    this.write(`event: ${END_EVENT}\ndata: {}\n\n`);
    this.res.end();
  }

  private flushSnapshot(force = false): void {
    const json = this.pendingSnapshot;
    if (json === null || (!force && this.res.writableLength > SOFT_QUEUED_BYTES)) return;
    this.pendingSnapshot = null;
    this.write(`event: ${SNAPSHOT_EVENT}\ndata: ${json}\n\n`);
  }

  private write(text: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(text);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pendingSnapshot = null;
    this.onClose(this);
  }
}
