// The one file writer, with a fake low-level fs that writes a few bytes at a time and fails
// at any step: the target is whole and new, or byte-identical to before, and no temporary
// file is ever left behind.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, fstatSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/data/random.js';
import { PROJECT_ROOT } from '../helpers/run-cli.js';
import { nodeFileOps, unwritableReason, writeFileAtomic, WriteError, type FileOps } from '../../src/io/write-file.js';

const root = mkdtempSync(join(tmpdir(), 'bp-train-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let folders = 0;
/** A fresh folder holding `file` with `old` in it (or no file when old is null). */
function setup(old: Uint8Array | string | null): { dir: string; file: string } {
  const dir = join(root, `case-${folders++}`);
  const file = join(dir, 'model.safetensors');
  mkdirSync(dir);
  if (old !== null) writeFileSync(file, old);
  return { dir, file };
}

/** Bytes 0..n-1 from a seeded generator. */
function bytesOf(n: number, seed: number): Uint8Array {
  const random = new Random(seed);
  return Uint8Array.from({ length: n }, () => random.nextInt(256));
}

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, ${syscall}`), { code, syscall });
}

type Step = 'open' | 'write' | 'fsync' | 'close' | 'rename';

/**
 * The real fs, but each write takes 1 to 7 bytes (seeded), and the `nth` call (1-based) of
 * `step` on the temporary file throws `code`. Records the temporary file's name.
 */
function fakeOps(opts: { seed?: number; fail?: { step: Step; nth: number; code: string } } = {}): FileOps & { tmp: string | null; writes: number } {
  const random = new Random(opts.seed ?? 1);
  const counts: Record<Step, number> = { open: 0, write: 0, fsync: 0, close: 0, rename: 0 };
  const tmpFds = new Set<number>();
  const fake = {
    tmp: null as string | null,
    writes: 0,
    openSync(file: string, flags: string, mode?: number): number {
      const isTmp = flags === 'wx';
      if (isTmp) {
        fake.tmp = file;
        maybeFail('open');
      }
      const fd = nodeFileOps.openSync(file, flags, mode);
      if (isTmp) tmpFds.add(fd);
      return fd;
    },
    writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
      maybeFail('write');
      fake.writes++;
      return nodeFileOps.writeSync(fd, buffer, offset, Math.min(length, 1 + random.nextInt(7)));
    },
    fsyncSync(fd: number): void {
      if (tmpFds.has(fd)) maybeFail('fsync');
      nodeFileOps.fsyncSync(fd);
    },
    closeSync(fd: number): void {
      if (tmpFds.has(fd)) {
        tmpFds.delete(fd);
        nodeFileOps.closeSync(fd); // the descriptor is gone even when close(2) reports an error
        maybeFail('close');
        return;
      }
      nodeFileOps.closeSync(fd);
    },
    renameSync(from: string, to: string): void {
      maybeFail('rename');
      nodeFileOps.renameSync(from, to);
    },
    unlinkSync: nodeFileOps.unlinkSync,
  };
  function maybeFail(step: Step): void {
    counts[step]++;
    if (opts.fail?.step === step && opts.fail.nth === counts[step]) throw errno(opts.fail.code, step);
  }
  return fake;
}

describe('writeFileAtomic', () => {
  it('writes text and bytes whole, through a hidden temporary file in the same folder', () => {
    const { dir, file } = setup(null);
    const ops = fakeOps();
    writeFileAtomic(file, 'héllo\n', ops);
    expect(readFileSync(file, 'utf8')).toBe('héllo\n');
    expect(dirname(ops.tmp!)).toBe(dir);
    expect(basename(ops.tmp!)).toMatch(new RegExp(`^\\.model\\.safetensors\\.${process.pid}-[0-9a-f]{12}\\.tmp$`));
    const data = bytesOf(1000, 2);
    writeFileAtomic(file, data);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(data))).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it.each([3, 4, 5])('short writes of 1 to 7 bytes still give the complete file (seed %i)', (seed) => {
    const { dir, file } = setup(bytesOf(5000, 9));
    const data = bytesOf(4099, seed);
    const ops = fakeOps({ seed });
    writeFileAtomic(file, data, ops);
    expect(ops.writes).toBeGreaterThan(4099 / 7);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(data))).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  const steps: { step: Step; nth: number }[] = [
    { step: 'open', nth: 1 },
    { step: 'write', nth: 1 },
    { step: 'write', nth: 37 },
    { step: 'fsync', nth: 1 },
    { step: 'close', nth: 1 },
    { step: 'rename', nth: 1 },
  ];
  const causes: [string, string][] = [
    ['ENOSPC', 'no space left on device'],
    ['EDQUOT', 'disk quota exceeded'],
    ['EIO', 'input/output error'],
    ['EROFS', 'read-only file system'],
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
  ];
  const cases = steps.flatMap((s) => causes.map(([code, reason]) => ({ ...s, code, reason })));

  it.each(cases)('$code at $step #$nth: the previous file is byte-identical, no temporary file is left', ({ step, nth, code, reason }) => {
    const old = bytesOf(3000, 11);
    const { dir, file } = setup(old);
    const ops = fakeOps({ seed: 7, fail: { step, nth, code } });
    let thrown: unknown;
    try {
      writeFileAtomic(file, bytesOf(2000, 12), ops);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(WriteError);
    const err = thrown as WriteError;
    expect({ file: err.file, reason: err.reason, code: err.code, previousKept: err.previousKept }).toEqual({ file, reason, code, previousKept: true });
    expect(err.message).toBe(`${file}: ${reason} (the previous file is unchanged)`);
    expect(Buffer.from(readFileSync(file)).equals(Buffer.from(old))).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it.each(steps)('the first write failing at $step #$nth leaves no file at all', ({ step, nth }) => {
    const { dir, file } = setup(null);
    expect(() => writeFileAtomic(file, bytesOf(500, 1), fakeOps({ fail: { step, nth, code: 'ENOSPC' } }))).toThrow(
      `${file}: no space left on device (no file was written)`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a write that makes no progress is an error, not an endless loop', () => {
    const { dir, file } = setup('old');
    const ops: FileOps = { ...nodeFileOps, writeSync: () => 0 };
    expect(() => writeFileAtomic(file, 'new', ops)).toThrow(WriteError);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('an unknown errno code keeps the system words; a bug (no code) is not a WriteError', () => {
    const { dir, file } = setup('old');
    const busy: FileOps = {
      ...nodeFileOps,
      renameSync: () => {
        throw Object.assign(new Error("EBUSY: resource busy or locked, rename 'a' -> 'b'"), { code: 'EBUSY' });
      },
    };
    expect(() => writeFileAtomic(file, 'new', busy)).toThrow(`${file}: resource busy or locked (the previous file is unchanged)`);
    const buggy: FileOps = {
      ...nodeFileOps,
      fsyncSync: () => {
        throw new TypeError('a bug');
      },
    };
    let thrown: unknown;
    try {
      writeFileAtomic(file, 'new', buggy);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('a folder that cannot be fsynced still ends with the new file (the rename is done)', () => {
    const { dir, file } = setup('old');
    const ops: FileOps = {
      ...nodeFileOps,
      fsyncSync: (fd) => {
        if (statSync(dir).ino === fstatSync(fd).ino) throw errno('EINVAL', 'fsync');
        nodeFileOps.fsyncSync(fd);
      },
    };
    writeFileAtomic(file, 'new', ops);
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('keeps the permissions of the file it replaces', () => {
    const { file } = setup('old');
    chmodSync(file, 0o600);
    writeFileAtomic(file, 'new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('writeFileAtomic, where a temporary file cannot stand in for the target', () => {
  it('writes into a named pipe in place: the pipe stays a pipe', async () => {
    const { dir } = setup(null);
    const fifo = join(dir, 'out.json');
    execFileSync('mkfifo', [fifo]);
    // A reader on the other end, in a process of its own (opening a pipe blocks until both ends are open).
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    reader.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    writeFileAtomic(fifo, '{"a":1}\n', fakeOps({ seed: 4 }));
    await closed;
    expect(text).toBe('{"a":1}\n');
    expect(statSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.json']);
  });

  it('writes to /dev/null and leaves it a device; a full device (/dev/full) is a WriteError, the device kept', () => {
    writeFileAtomic('/dev/null', 'gone');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(() => writeFileAtomic('/dev/full', 'x')).toThrow(new WriteError('/dev/full', 'no space left on device', 'ENOSPC', false));
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it("appends to this process's standard output when named by /dev/stdout, keeping what was written there", () => {
    const { dir } = setup(null);
    const log = join(dir, 'log.txt');
    const script = join(dir, 'write-stdout.mjs');
    const writer = pathToFileURL(join(PROJECT_ROOT, 'dist', 'io', 'write-file.js')).href;
    writeFileSync(script, `const { writeFileAtomic } = await import(${JSON.stringify(writer)});\nprocess.stdout.write('line 1\\n');\nwriteFileAtomic('/dev/stdout', 'metrics\\n');\nprocess.stdout.write('line 2\\n');\n`);
    const out = openSync(log, 'w');
    const child = spawnSync(process.execPath, [script], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
    closeSync(out);
    expect(child.status, child.stderr).toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('line 1\nmetrics\nline 2\n');
  });

  it('refuses a path that ends in / unless it is a folder, before and when writing', () => {
    const { dir } = setup(null);
    const named = join(dir, 'nodir') + '/';
    expect(unwritableReason(named)).toBe(`${named} names a folder (it ends in /), not a file`);
    expect(() => writeFileAtomic(named, 'x')).toThrow(new WriteError(named, 'it names a folder (it ends in /)', 'EISDIR', false));
    expect(readdirSync(dir)).toEqual([]);
  });
});
