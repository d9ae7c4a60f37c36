/**
 * `bp-train train --serve` as real processes, without a browser: the event stream carries every
 * run event with the very JSON text of its --json line (and the progress events), the model at
 * each measurement and the end; a run with --serve computes what it computes without it (its
 * --json lines equal timing aside, its saved model byte for byte), even with a page that never
 * reads and one that hangs up; the terminal output gains the URL line and nothing else; and a
 * port or address that cannot be used is one usage line.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/model/model-decode.js';
import type { Snapshot } from '../../src/serve/protocol.js';
import { jsonLines, outputLines, runCli, startCli, withoutTiming, type RunResult } from '../helpers/run-cli.js';
import { rawRequest, readEvents, waitForUrl } from '../helpers/page-client.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-live-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 80 iterations an epoch on the js kernels, one thread: about half a second an epoch, so the
// page connects while the run trains.
const RUN = ['--data', 'mnist-lite', '--test-limit', '500', '--hidden', '30', '--backend', 'js', '--threads', '1', '--seed', '3'];
const URL_LINE = /^bp-train: live page at http:\/\/127\.0\.0\.1:\d+\/ \(this machine only; Ctrl-C stops it\)$/;

function expectExit(run: RunResult, code: number): void {
  expect(run.code, `exit code\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`).toBe(code);
}

/** A client that asks for the stream and never reads it (a stalled tab). */
function stalledClient(url: URL): () => void {
  const socket = connect(Number(url.port), url.hostname);
  socket.pause();
  socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${url.port}\r\n\r\n`);
  socket.on('error', () => {});
  return () => socket.destroy();
}

describe('train --serve: the event stream', () => {
  it('carries the --json lines exactly, and the run computes the same numbers and model as without --serve', async () => {
    const args = [...RUN, '--epochs', '3', '--json'];
    const plain = await runCli([...args, '--save', join(dir, 'a.safetensors')]);
    expectExit(plain, 0);

    const served = startCli([...args, '--save', join(dir, 'b.safetensors'), '--serve', '0']);
    const url = await waitForUrl(served, 'stderr');
    const stream = readEvents(url);
    const stalled = stalledClient(url);
    const hangUp = readEvents(url);
    const quitter = rawRequest(url, `GET /events HTTP/1.1\r\nHost: 127.0.0.1:${url.port}`).catch(() => null); // reads the headers, then hangs up
    // Handled from now on: a stream that fails while the run goes on fails the test below, not as an unhandled rejection.
    const streamsDone = Promise.all([stream.done, hangUp.done, quitter]);
    streamsDone.catch(() => {});
    const run = await served.done;
    await streamsDone;
    stalled();
    expectExit(run, 0);

    // the numbers: --json lines equal timing aside, the model byte for byte
    expect(withoutTiming(jsonLines(run.stdout))).toEqual(withoutTiming(jsonLines(plain.stdout)));
    expect(readFileSync(join(dir, 'b.safetensors')).equals(readFileSync(join(dir, 'a.safetensors')))).toBe(true);
    // stderr: the URL line only
    expect(outputLines(run.stderr).filter((l) => !URL_LINE.test(l))).toEqual(outputLines(plain.stderr));
    expect(outputLines(run.stderr).filter((l) => URL_LINE.test(l))).toHaveLength(1);

    // the stream: each run event's data is its --json line, with ids 1, 2, ...
    const messages = stream.events.filter((e) => e.event === 'message');
    const runEvents = messages.filter((e) => !e.data.startsWith('{"event":"progress"'));
    expect(runEvents.map((e) => e.data)).toEqual(outputLines(run.stdout));
    const ids = runEvents.map((e) => e.id ?? '');
    expect(ids.map((id) => Number(id.split('.')[1]))).toEqual(ids.map((_, i) => i + 1));
    expect(new Set(ids.map((id) => id.split('.')[0])).size).toBe(1);
    const progress = messages.filter((e) => e.data.startsWith('{"event":"progress"'));
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) expect(Object.keys(JSON.parse(p.data) as object)).toEqual(['event', 'iteration', 'epoch', 'epochIteration', 'itersPerEpoch', 'iterations', 'loss', 'elapsedMs', 'trainMs']);
    expect(stream.events.at(-1)).toEqual({ event: 'end', id: undefined, data: '{}' });
    // the page that hung up saw the same beginning
    expect(hangUp.events.filter((e) => e.event === 'message' && !e.data.startsWith('{"event":"progress"')).map((e) => e.data)).toEqual(outputLines(run.stdout));

    // snapshots: the last is the final model, with its confusion matrix on the test split
    const snapshots = stream.events.filter((e) => e.event === 'snapshot').map((e) => JSON.parse(e.data) as Snapshot);
    expect(snapshots.length).toBeGreaterThan(0);
    const last = snapshots.at(-1)!;
    expect([last.epoch, last.iteration]).toEqual([3, 240]);
    const summary = jsonLines(run.stdout).at(-1)!;
    expect(last.test).toEqual({ source: 'mnist-lite', count: 500, correct: Math.round((summary.testAcc as number) * 500), accuracy: summary.testAcc, rows: 28, cols: 28 });
    expect(last.confusion.flat().reduce((a, b) => a + b, 0)).toBe(500);
    expect(last.mistakes.length).toBe(40);
    expect(Buffer.from(last.mistakes[0].pixels, 'base64').length).toBe(784);
    const liveModel = decodeModel(Buffer.from(last.model, 'base64'), 'snapshot');
    const savedModel = decodeModel(readFileSync(join(dir, 'b.safetensors')), 'b');
    expect(Buffer.from(liveModel.net.params.W1.data.buffer).equals(Buffer.from(savedModel.net.params.W1.data.buffer))).toBe(true);
    expect(liveModel.meta.history).toEqual(savedModel.meta.history);
  });

  it('on the wasm program executor with two threads (measuring alongside training): the same numbers and model', async () => {
    const args = ['--data', 'mnist-lite', '--test-limit', '500', '--hidden', '40,20', '--optimizer', 'adam', '--epochs', '4', '--threads', '2', '--seed', '9', '--json'];
    const plain = await runCli([...args, '--save', join(dir, 'c.safetensors')]);
    const serving = startCli([...args, '--save', join(dir, 'd.safetensors'), '--serve', '0']);
    const watching = readEvents(await waitForUrl(serving, 'stderr')); // the confusion worker counts alongside too
    // A run this short may be over before the page connects (a reset connection), at any moment of the run.
    const watched = watching.done.catch(() => {});
    const served = await serving.done;
    await watched;
    expectExit(plain, 0);
    expectExit(served, 0);
    expect(jsonLines(plain.stdout)[0]).toMatchObject({ backend: 'wasm' });
    expect(withoutTiming(jsonLines(served.stdout))).toEqual(withoutTiming(jsonLines(plain.stdout)));
    expect(readFileSync(join(dir, 'd.safetensors')).equals(readFileSync(join(dir, 'c.safetensors')))).toBe(true);
  });

  it('adds the URL line to the terminal output, and nothing else', async () => {
    const args = [...RUN, '--epochs', '2'];
    const [plain, served] = [await runCli(args), await runCli([...args, '--serve', '0'])];
    expectExit(plain, 0);
    expectExit(served, 0);
    const timeless = (text: string): string[] => outputLines(text).map((l) => l.replace(/[\d,.]+ ?(s|MB|examples\/s)\b/g, '#'));
    expect(timeless(served.stdout)).toEqual(timeless(plain.stdout));
    expect(outputLines(served.stderr).filter((l) => !URL_LINE.test(l))).toEqual(outputLines(plain.stderr));
    expect(outputLines(served.stderr).filter((l) => URL_LINE.test(l))).toHaveLength(1);
  });
});

describe('train --serve: usage errors, one line and exit 2 before any training', () => {
  it('--host without --serve, a port out of range', async () => {
    const host = await runCli([...RUN, '--host', '0.0.0.0']);
    expectExit(host, 2);
    expect(outputLines(host.stderr)[0]).toBe('bp-train: error: --host needs --serve [PORT] (the address the live page listens on)');
    const range = await runCli([...RUN, '--serve', '70000']);
    expectExit(range, 2);
    expect(outputLines(range.stderr)[0]).toBe("bp-train: error: option '--serve [port]' argument '70000' is invalid. Expected an integer from 0 to 65535.");
  });

  it('a port in use, an address that is not this machine', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const busy = await runCli([...RUN, '--serve', String(port), '--json']);
      expectExit(busy, 2);
      expect(outputLines(busy.stderr)[0]).toBe(`bp-train: error: --serve ${port}: the port is in use on 127.0.0.1 (give another port, or 0 for any free one)`);
      expect(busy.stdout).toBe('');
    } finally {
      taken.close();
    }
    const foreign = await runCli([...RUN, '--serve', '0', '--host', '192.0.2.1']);
    expectExit(foreign, 2);
    expect(outputLines(foreign.stderr)[0]).toBe(
      "bp-train: error: --host 192.0.2.1: not an address of this machine (the default 127.0.0.1 is this machine only; 0.0.0.0 is every interface)",
    );
  });
});
