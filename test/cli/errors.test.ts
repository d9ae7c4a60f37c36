// The one place where errors become exit codes and one-line messages.
import { describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { DataError } from '../../src/data/data-error.js';
import { EXIT, UsageError, exitCodesHelp, reportError } from '../../src/cli/errors.js';

function report(err: unknown, debug = false): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = reportError(err, debug, (text) => lines.push(...text.split('\n')));
  return { code, lines };
}

describe('reportError', () => {
  it('a bug (any other Error): exit 70, one line that points to --debug, no stack', () => {
    const { code, lines } = report(new TypeError('cannot read properties of undefined'));
    expect(code).toBe(EXIT.internal);
    expect(lines).toEqual(['bp-train: internal error: cannot read properties of undefined (run with --debug for the stack)']);
  });

  it('a bug with --debug: the line, then the stack', () => {
    const err = new Error('boom');
    const { code, lines } = report(err, true);
    expect(code).toBe(70);
    expect(lines[0]).toBe('bp-train: internal error: boom');
    expect(lines.slice(1).join('\n')).toBe(err.stack);
  });

  it('a thrown non-Error value is still one line', () => {
    expect(report('weird')).toEqual({ code: 70, lines: ['bp-train: internal error: weird (run with --debug for the stack)'] });
  });

  it('a multi-line message keeps only its first line', () => {
    expect(report(new Error('first\nsecond')).lines).toHaveLength(1);
  });

  it('usage and data errors map to 2 and 3', () => {
    expect(report(new UsageError('--x bad')).code).toBe(2);
    expect(report(new UsageError('--x bad')).lines[0]).toBe('bp-train: error: --x bad');
    expect(report(new DataError('/d/f', 'truncated'))).toEqual({ code: 3, lines: ['bp-train: data error: /d/f: truncated'] });
  });

  it('commander: help and version exit 0, its usage errors 2 (it printed the message itself)', () => {
    expect(report(new CommanderError(0, 'commander.helpDisplayed', '')).code).toBe(0);
    expect(report(new CommanderError(0, 'commander.version', '')).code).toBe(0);
    const { code, lines } = report(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'"));
    expect(code).toBe(2);
    expect(lines).toEqual([]);
  });
});

describe('exitCodesHelp', () => {
  it('lists, per command, only the codes that command can exit with', () => {
    expect(exitCodesHelp('bp-train')).toBe(exitCodesHelp('train'));
    expect(exitCodesHelp('train')).toMatch(/^ +4 +training diverged/m);
    expect(exitCodesHelp('gradcheck')).not.toMatch(/^ +4 /m);
    expect(exitCodesHelp('eval')).not.toMatch(/^ +1 /m);
    expect(exitCodesHelp('predict')).toMatch(/^ +3 +a model or image file/m);
  });
});
