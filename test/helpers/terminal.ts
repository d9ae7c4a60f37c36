/**
 * Runs bp-train under a real pseudo-terminal and renders what it wrote as a terminal shows it.
 *
 * The pty comes from util-linux `script` (on Debian in the util-linux package): `script -q -e
 * -c CMD /dev/null` runs CMD with a pty as stdin, stdout and stderr and copies everything
 * written to it to its own stdout, which is a pipe here. CMD first sets the terminal's size (a
 * new pty is 0x0, and cli-progress sizes the bar from it). Each chunk is stamped with the time
 * it arrived, so a redraw's moment can be told. The bytes are rendered by @xterm/headless.
 */
import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import xterm from '@xterm/headless';
import { BIN, childEnv, PROJECT_ROOT } from './run-cli.js';

export interface TerminalRun {
  code: number | null;
  signal: string | null;
  /** Everything the terminal received, as text. */
  text: string;
  /** When the text up to each length had arrived: [length, ms since the start], in order. */
  arrivals: [number, number][];
  cols: number;
  rows: number;
}

/** A POSIX shell word for `s`. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs `bp-train args` in a cols x rows pty (CI and colour variables removed, TERM set) to its end. */
export function runInTerminal(args: string[], { cols = 120, rows = 40, timeoutMs = 50_000 } = {}): Promise<TerminalRun> {
  const command = `stty cols ${cols} rows ${rows} && exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    cwd: PROJECT_ROOT,
    env: childEnv({ TERM: 'xterm-256color' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started = performance.now();
  const decoder = new StringDecoder('utf8');
  let text = '';
  let stderr = '';
  const arrivals: [number, number][] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    text += decoder.write(chunk);
    arrivals.push([text.length, performance.now() - started]);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bp-train ${args.join(' ')} in a pty did not finish within ${timeoutMs} ms\n${text}`));
    }, timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const missing = err.code === 'ENOENT' ? " (util-linux 'script' is not installed: apt-get install util-linux)" : '';
      reject(new Error(`cannot run script${missing}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      text += decoder.end();
      if (stderr !== '') reject(new Error(`script wrote to its stderr: ${stderr}`));
      else resolve({ code, signal, text, arrivals, cols, rows });
    });
  });
}

/** A headless terminal of the run's size, fed text piece by piece. */
export class Screen {
  private readonly term: InstanceType<typeof xterm.Terminal>;

  constructor(cols: number, rows: number) {
    this.term = new xterm.Terminal({ cols, rows, scrollback: 10_000, allowProposedApi: true });
  }

  write(text: string): Promise<void> {
    return new Promise((resolve) => this.term.write(text, resolve));
  }

  /** The line the cursor is on, without trailing blanks. */
  cursorLine(): string {
    const buffer = this.term.buffer.active;
    return buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
  }

  /** Every line, scrollback included, a line wrapped at the right edge joined again, without trailing blanks or blank lines at the end. */
  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < buffer.length; i++) {
      const line = buffer.getLine(i);
      if (line === undefined) continue;
      if (line.isWrapped && out.length > 0) out[out.length - 1] += line.translateToString(true);
      else out.push(line.translateToString(true));
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  dispose(): void {
    this.term.dispose();
  }
}

/** cli-progress ends every redraw of its bar with "erase to the end of the line". */
const REDRAW_END = '\x1b[0K';

export interface Redraw {
  /** The bar's line on the screen right after this redraw. */
  line: string;
  /** When it arrived, ms since the start of the run. */
  ms: number;
}

/** Renders the run: the bar's line at each redraw, and the whole screen at the end. */
export async function render(run: TerminalRun): Promise<{ redraws: Redraw[]; finalLines: string[] }> {
  const screen = new Screen(run.cols, run.rows);
  try {
    const redraws: Redraw[] = [];
    let written = 0;
    let arrival = 0;
    for (let end = run.text.indexOf(REDRAW_END); end !== -1; end = run.text.indexOf(REDRAW_END, end + 1)) {
      const upTo = end + REDRAW_END.length;
      await screen.write(run.text.slice(written, upTo));
      written = upTo;
      while (run.arrivals[arrival][0] < upTo) arrival++;
      redraws.push({ line: screen.cursorLine(), ms: run.arrivals[arrival][1] });
    }
    await screen.write(run.text.slice(written));
    return { redraws, finalLines: screen.lines() };
  } finally {
    screen.dispose();
  }
}
