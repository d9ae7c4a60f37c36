/**
 * The page server refuses everything but its own files, as a real `bp-train serve` process on
 * 127.0.0.1 (port 0) sees it, with requests sent byte for byte over raw sockets: traversal in
 * every spelling, encoded or absolute, gets 404 (the path is looked up whole, never mapped to
 * the file system); bodies over the limit get 413, declared or chunked; other methods 405; a
 * Host that is not this machine 421. After all of it the server still serves the page, and
 * Ctrl-C ends it with exit code 0.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, runCli, startCli, type CliProcess } from '../helpers/run-cli.js';
import { rawRequest, waitForUrl } from '../helpers/page-client.js';

const dir = mkdtempSync(join(tmpdir(), 'bp-train-serve-safety-'));
const model = join(dir, 'model.safetensors');
let server: CliProcess;
let url: URL;

beforeAll(async () => {
  const trained = await runCli(['--data', 'mnist-lite', '--test-limit', '300', '--iters', '80', '--save', model, '--quiet']);
  expect(trained.code, trained.stderr).toBe(0);
  server = startCli(['serve', '--model', model, '--port', '0']);
  url = await waitForUrl(server, 'stdout');
});

afterAll(async () => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const host = (): string => `Host: 127.0.0.1:${url.port}`;
const get = (target: string, extra: string[] = []) => rawRequest(url, [`GET ${target} HTTP/1.1`, host(), 'Connection: close', ...extra].join('\r\n'));

describe('bp-train serve: only its own files', () => {
  it('prints one line with the URL, on 127.0.0.1', () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(server.stdout()).toBe(`bp-train: the page of ${model} at ${url.href} (this machine only; Ctrl-C stops it)\n`);
  });

  it('serves the page, its script, its style and its data, with the security headers', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toBe(readFileSync(join(PROJECT_ROOT, 'build/page/index.html'), 'utf8'));
    expect(index.headers['content-security-policy']).toContain("default-src 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect((await get('/index.html?v=2')).body).toBe(index.body);
    const script = await get('/page.js');
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(script.body.length).toBe(readFileSync(join(PROJECT_ROOT, 'build/page/page.js'), 'utf8').length);
    expect((await get('/page.css')).status).toBe(200);
    const data = await get('/data.js');
    expect(data.body).toMatch(/^window\.BP_TRAIN_DATA = \{"mode":"model","file":"model\.safetensors","snapshot":\{"epoch":1,"iteration":80,/);
    const head = await rawRequest(url, ['HEAD / HTTP/1.1', host(), 'Connection: close'].join('\r\n'));
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, String(Buffer.byteLength(index.body)), '']);
  });

  const refused = [
    '/../package.json',
    '/../../../../../../etc/passwd',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/..%2f..%2fpackage.json',
    '/%252e%252e/package.json',
    '/page.js/../../package.json',
    '/./index.html',
    '//etc/passwd',
    '/etc/passwd',
    `${PROJECT_ROOT}/package.json`,
    '/package.json',
    '/build/page/page.js',
    '/src/page/main.ts',
    '/index.html%00.js',
    '/events',
    `http://127.0.0.1:PORT/../package.json`,
    `http://127.0.0.1:PORT/index.html`,
    '*',
  ];
  it.each(refused)('GET %s: 404, nothing read', async (target) => {
    const response = await get(target.replace('PORT', url.port));
    expect(response.status).toBe(404);
    expect(response.body).toBe('not found\n');
  });

  it('a body over 16 KiB: 413, declared or chunked; a small body on a method the page does not take: 405', async () => {
    const big = Buffer.alloc(64 * 1024, 'x');
    const post = (headers: string[], body: Buffer | string) => rawRequest(url, ['POST / HTTP/1.1', host(), ...headers].join('\r\n'), body);
    expect((await post([`Content-Length: ${big.length}`], big)).status).toBe(413);
    expect((await post(['Content-Length: 1000000000000'], '')).status).toBe(413);
    const chunked = `${big.length.toString(16)}\r\n${big.toString()}\r\n0\r\n\r\n`;
    expect((await post(['Transfer-Encoding: chunked'], chunked)).status).toBe(413);
    const small = await post(['Content-Length: 5', 'Connection: close'], 'hello');
    expect([small.status, small.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await rawRequest(url, ['PUT /index.html HTTP/1.1', host(), 'Content-Length: 2', 'Connection: close'].join('\r\n'), 'hi')).status).toBe(405);
    expect((await rawRequest(url, ['DELETE /data.js HTTP/1.1', host(), 'Connection: close'].join('\r\n'))).status).toBe(405);
  });

  it('a Host that is not this machine (DNS rebinding): 421', async () => {
    const response = await rawRequest(url, ['GET / HTTP/1.1', 'Host: evil.example', 'Connection: close'].join('\r\n'));
    expect(response.status).toBe(421);
    expect((await rawRequest(url, ['GET / HTTP/1.1', `Host: localhost:${url.port}`, 'Connection: close'].join('\r\n'))).status).toBe(200);
  });

  // Loopback is decided from the address bound: '127.1' and 'LOCALHOST' are this machine too.
  for (const spelled of ['127.1', 'LOCALHOST']) {
    it(`--host ${spelled}: this machine only, and a foreign Host still gets 421`, async () => {
      const other = startCli(['serve', '--model', model, '--port', '0', '--host', spelled]);
      try {
        const at = await waitForUrl(other, 'stdout');
        expect(other.stdout()).toContain('(this machine only; Ctrl-C stops it)');
        const target = new URL(`http://127.0.0.1:${at.port}/`);
        expect((await rawRequest(target, ['GET / HTTP/1.1', `Host: evil.example:${at.port}`, 'Connection: close'].join('\r\n'))).status).toBe(421);
        expect((await rawRequest(target, ['GET / HTTP/1.1', `Host: 127.0.0.1:${at.port}`, 'Connection: close'].join('\r\n'))).status).toBe(200);
      } finally {
        other.child.kill('SIGINT');
        await other.done;
      }
    });
  }

  it('keeps serving after all of it, and Ctrl-C ends it with exit code 0', async () => {
    const again = await Promise.all([get('/'), get('/page.js'), get('/data.js')]);
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    server.child.kill('SIGINT');
    const done = await server.done;
    expect([done.code, done.signal, done.stderr]).toEqual([0, null, '']);
  });
});
