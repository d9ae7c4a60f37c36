/**
 * The block appended to $GITHUB_STEP_SUMMARY: valid Markdown tables of the figures, the gates
 * and the comparison with the baseline; and the appender, which keeps what the other steps
 * wrote and reports a failure as a WriteError (exit 5).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileDurable } from '../../src/io/append-file.js';
import { WriteError } from '../../src/io/write-file.js';
import { stepSummaryMarkdown } from '../../src/report/github-summary.js';
import { compareWithBaseline } from '../../src/train/baseline.js';
import { markdownTables } from '../helpers/markdown-table.js';
import { metricsFileOf, recordOf, summaryOf } from '../train/ci-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'bp-step-summary-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('stepSummaryMarkdown', () => {
  it('has a heading and tables of the figures, the gates and the comparison with the baseline', () => {
    const summary = summaryOf({ testAcc: 0.9, status: 'gate-failed', gates: [{ option: '--min-test-acc', bar: 0.85, value: 0.9, passed: true }] });
    summary.baseline = compareWithBaseline(recordOf('main.json', { testAcc: 0.9123 }), summary, [], { maxDrop: 0.001 }, true);
    const md = stepSummaryMarkdown({ ...metricsFileOf(), ...summary }, []);
    expect(md.split('\n')[0]).toBe('### bp-train: gate-failed, test accuracy 0.9000');
    expect(md.endsWith('\n\n')).toBe(true); // the next step's Markdown starts a block of its own
    const [figures, gates, comparison] = markdownTables(md);
    expect(figures.header).toEqual(['figure', 'value']);
    expect(figures.rows[0]).toEqual(['test accuracy', '0.9000']);
    expect(figures.rows.find((r) => r[0] === 'data')).toEqual(['data', 'mnist-lite, 2,000 train / 2,000 test']);
    expect(gates.header).toEqual(['gate', 'result', 'detail']);
    expect(gates.rows.map((r) => r.slice(0, 2))).toEqual([
      ['--min-test-acc 0.85', 'passed'],
      ['--max-drop 0.001', '**failed**'],
    ]);
    expect(comparison.header).toEqual(['metric', 'baseline', 'this run', 'change']);
    expect(comparison.rows[0]).toEqual(['testAcc', '0.9123', '0.9000', '-0.0123']);
    expect(md).toContain('Against the baseline `main.json` (bp-train 0.1.0):');
  });

  it('without a baseline or gates, has the figures only; unchecked gates are listed as such', () => {
    expect(markdownTables(stepSummaryMarkdown(metricsFileOf(), []))).toHaveLength(1);
    const md = stepSummaryMarkdown(metricsFileOf({ status: 'diverged', diverged: true, testAcc: NaN }), [{ name: '--min-test-acc 0.9', reason: 'training diverged at iteration 3' }]);
    expect(md.split('\n')[0]).toBe('### bp-train: diverged, test accuracy -');
    expect(markdownTables(md)[1].rows).toEqual([['--min-test-acc 0.9', '**not checked**', 'training diverged at iteration 3']]);
  });
});

describe('appendFileDurable', () => {
  it('appends after what is there, and creates the file when there is none', () => {
    const file = join(root, 'summary.md');
    writeFileSync(file, '# from an earlier step\n');
    appendFileDurable(file, 'block 1\n');
    appendFileDurable(file, 'block 2\n');
    expect(readFileSync(file, 'utf8')).toBe('# from an earlier step\nblock 1\nblock 2\n');
    const fresh = join(root, 'fresh.md');
    appendFileDurable(fresh, 'ünïcode ✓\n');
    expect(readFileSync(fresh, 'utf8')).toBe('ünïcode ✓\n');
  });

  it('reports a file it cannot open as a WriteError naming its label and the cause', () => {
    const missing = join(root, 'no-such-folder', 'summary.md');
    let error: unknown;
    try {
      appendFileDurable(missing, 'x', `$GITHUB_STEP_SUMMARY ${missing}`);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WriteError);
    expect((error as WriteError).code).toBe('ENOENT');
    expect((error as WriteError).message).toBe(`$GITHUB_STEP_SUMMARY ${missing}: could not append: its folder does not exist (no file was written)`);
    const dir = join(root, 'a-dir');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => appendFileDurable(dir, 'x')).toThrow(WriteError);
  });
});
