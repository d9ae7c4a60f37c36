/**
 * The event hub and its streams, in process over real sockets on 127.0.0.1: a page that stops
 * reading holds nothing up and costs a bounded buffer (it is sent every run event, but of the
 * large snapshots only those that fit while it lags, then the latest); a page that reconnects
 * with Last-Event-ID is sent only what it missed, unless the id is another run's; a page that
 * connects late gets the whole run so far; the end reaches everyone.
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../../src/serve/event-hub.js';
import { PageServer } from '../../src/serve/page-server.js';
import type { EpochEvent } from '../../src/train/events.js';
import { readEvents, type StreamEvent } from '../helpers/page-client.js';

let server: PageServer | null = null;
afterEach(async () => {
  await server?.close(100);
  server = null;
});

async function start(): Promise<{ hub: EventHub; url: URL }> {
  const hub = new EventHub();
  server = await PageServer.start({ host: '127.0.0.1', port: 0, files: new Map(), events: hub });
  return { hub, url: new URL(server.url) };
}

const epoch = (n: number): EpochEvent => ({ event: 'epoch', epoch: n, iteration: 10 * n, loss: 1 / n, trainAcc: 0.5, testAcc: 0.5, elapsedMs: n });

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** SSE blocks of a whole response's text (after its headers). */
function parseStream(text: string): StreamEvent[] {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return body
    .split('\n\n')
    .map((block) => {
      const fields: Record<string, string> = {};
      for (const line of block.split('\n')) if (line !== '' && !line.startsWith(':')) fields[line.slice(0, line.indexOf(':'))] = line.slice(line.indexOf(':') + 2);
      return fields;
    })
    .filter((f) => f.data !== undefined)
    .map((f) => ({ event: f.event ?? 'message', id: f.id, data: f.data }));
}

describe('EventHub', () => {
  it('a page that stops reading gets every run event but only some snapshots, then the latest', async () => {
    const { hub, url } = await start();
    const socket = connect(Number(url.port), '127.0.0.1');
    socket.on('error', () => {}); // a reset shows as missing events below
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\n\r\n`);
    await until(() => hub.clientCount === 1);
    socket.pause(); // a stalled tab from here on
    const SNAPSHOTS = 120; // of 512 KiB each: 60 MiB, far more than the socket buffers take
    const pad = 'x'.repeat(512 * 1024);
    for (let n = 1; n <= SNAPSHOTS; n++) {
      hub.runEvent(epoch(n));
      hub.snapshot(JSON.stringify({ n, pad }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    hub.end();
    socket.resume();
    await closed;
    const events = parseStream(Buffer.concat(chunks).toString('utf8'));
    const epochs = events.filter((e) => e.event === 'message').map((e) => (JSON.parse(e.data) as EpochEvent).epoch);
    expect(epochs).toEqual(Array.from({ length: SNAPSHOTS }, (_, i) => i + 1));
    const snapshots = events.filter((e) => e.event === 'snapshot').map((e) => (JSON.parse(e.data) as { n: number }).n);
    expect(snapshots.length).toBeLessThan(SNAPSHOTS / 2);
    expect(snapshots.at(-1)).toBe(SNAPSHOTS);
    expect(snapshots).toEqual([...snapshots].sort((a, b) => a - b));
    expect(events.at(-1)?.event).toBe('end');
  });

  it('a late page gets the run so far; a reconnecting one only what it missed, unless it watched another run', async () => {
    const { hub, url } = await start();
    for (let n = 1; n <= 5; n++) hub.runEvent(epoch(n));
    hub.runEvent({ event: 'progress', iteration: 55, epoch: 6, epochIteration: 5, itersPerEpoch: 10, iterations: 100, loss: 0.2, elapsedMs: 9, trainMs: 8 });
    hub.snapshot('{"n":5}');
    const late = readEvents(url);
    await until(() => late.events.length === 7);
    const [id] = [late.events[2].id!];
    expect(id).toMatch(/^[0-9a-f]{8}\.3$/);
    const resumed = readEvents(url, { 'Last-Event-ID': id });
    const other = readEvents(url, { 'Last-Event-ID': '0badc0de.3' });
    await until(() => hub.clientCount === 3);
    hub.runEvent(epoch(6));
    hub.end();
    await Promise.all([late.done, resumed.done, other.done]);
    const epochsOf = (events: StreamEvent[]): number[] => events.filter((e) => e.event === 'message').map((e) => (JSON.parse(e.data) as EpochEvent).epoch);
    // the progress event (of epoch 6) comes after the run events so far, then the snapshot
    expect(epochsOf(late.events)).toEqual([1, 2, 3, 4, 5, 6, 6]);
    expect(late.events.map((e) => e.event)).toEqual(['message', 'message', 'message', 'message', 'message', 'message', 'snapshot', 'message', 'end']);
    expect(epochsOf(resumed.events)).toEqual([4, 5, 6, 6]);
    expect(epochsOf(other.events)).toEqual([1, 2, 3, 4, 5, 6, 6]);
  });
});
