/**
 * Metrics files side by side: the rows (every figure, timing, setting and environment fact),
 * the changes against the first file, and their three renderings (aligned text, a Markdown
 * table that stays one valid table whatever the file names, JSON).
 */
import { describe, expect, it } from 'vitest';
import { changeText, diffJson, diffMarkdown, diffText, markdownCell, markdownCode } from '../../src/report/diff-table.js';
import { comparisonDiff, diffMetrics } from '../../src/train/metrics-diff.js';
import { compareWithBaseline } from '../../src/train/baseline.js';
import { configChanges } from '../../src/train/run-config.js';
import { configOf, recordOf, summaryOf } from '../train/ci-fixtures.js';
import { markdownTables } from '../helpers/markdown-table.js';

const a = recordOf('a.json');
const b = recordOf('b.json', { testAcc: 0.702, loss: 1.3778, iterations: 100, wallMs: 467 }, { iterations: 100 });
const c = recordOf('c.json', { testAcc: 0.8535 }, { seed: 3 });

describe('changeText', () => {
  it.each([
    [0, '0'],
    [5, '+5'],
    [-100, '-100'],
    [0.0075, '+0.0075'],
    [-0.14400000000000002, '-0.1440'],
    [0.00005, '+0.0001'],
    [0.0000032, '+3.2e-6'],
    [-0.0000032, '-3.2e-6'],
  ])('%s -> %s', (change, text) => expect(changeText(change)).toBe(text));
});

describe('markdownCell and markdownCode', () => {
  it('show a data path as text in a table cell (no HTML, no broken row) and as inline code', () => {
    expect(markdownCell('data/<b>x</b> & a|b\\c\nd')).toBe('data/&lt;b&gt;x&lt;/b&gt; &amp; a\\|b\\\\c d');
    expect(markdownCode('base`line\n<b>.json')).toBe("`base'line <b>.json`");
  });
});

describe('diffMetrics', () => {
  const diff = diffMetrics([a, b, c]);

  it('has a row for every figure, timing, setting and environment fact, named by its path in the file', () => {
    expect(diff.files).toEqual(['a.json', 'b.json', 'c.json']);
    expect(diff.rows.map((r) => r.name)).toEqual([
      'testAcc', 'trainAcc', 'bestTestAcc', 'bestEpoch', 'loss', 'iterations', 'epochs', 'status',
      'wallMs', 'trainMs', 'evalMs', 'loadMs', 'examplesPerSec', 'peakRssMb',
      'config.network', 'config.inputSize', 'config.hidden', 'config.outputSize', 'config.activation', 'config.init', 'config.weightInitStd',
      'config.batchNorm', 'config.dropout', 'config.weightDecay', 'config.optimizer', 'config.lr', 'config.momentum', 'config.decayRate', 'config.beta1', 'config.beta2',
      'config.batchSize', 'config.iterations', 'config.seed', 'config.data', 'config.trainLimit', 'config.testLimit', 'config.validation', 'config.trainSize',
      'config.testSize', 'config.backend',
      'version', 'environment.node', 'environment.platform', 'environment.arch', 'environment.cpu', 'environment.cores', 'threads',
    ]); // prettier-ignore
  });

  it('gives each file its change against the first', () => {
    const testAcc = diff.rows.find((r) => r.name === 'testAcc')!;
    expect(testAcc.values).toEqual([0.846, 0.702, 0.8535]);
    expect(testAcc.changes[0]).toBeNull();
    expect(testAcc.changes[1]).toBeCloseTo(-0.144, 12);
    expect(testAcc.changes[2]).toBeCloseTo(0.0075, 12);
    expect(testAcc.changed).toEqual([false, true, true]);
    const seed = diff.rows.find((r) => r.name === 'config.seed')!;
    expect(seed).toMatchObject({ section: 'config', values: [1, 1, 3], changed: [false, false, true] });
  });

  it('prints aligned text: names left, values and changes right; numbers signed, settings "changed"', () => {
    const lines = diffText(diff);
    expect(lines[0]).toMatch(/^metric +a\.json +b\.json +change +c\.json +change$/);
    expect(lines.find((l) => l.startsWith('testAcc '))).toMatch(/^testAcc +0\.8460 +0\.7020 +-0\.1440 +0\.8535 +\+0\.0075$/);
    expect(lines.find((l) => l.startsWith('bestEpoch '))).toMatch(/^bestEpoch +10 +10 +0 +10 +0$/);
    expect(lines.find((l) => l.startsWith('wallMs '))).toMatch(/^wallMs +591 +467 +-124 +591 +0$/);
    expect(lines.find((l) => l.startsWith('config.iterations '))).toMatch(/^config\.iterations +200 +100 +changed +200$/);
    expect(lines.find((l) => l.startsWith('config.seed '))).toMatch(/^config\.seed +1 +1 +3 +changed$/);
    expect(lines.find((l) => l.startsWith('config.testLimit '))).toMatch(/^config\.testLimit +- +- +-$/);
    // the first file's column is right-aligned under its header
    const end = lines[0].indexOf('a.json') + 'a.json'.length;
    for (const [name, value] of [['testAcc', '0.8460'], ['config.network', 'TwoLayerNet'], ['environment.cpu', 'AMD EPYC']]) {
      const line = lines.find((l) => l.startsWith(`${name} `))!;
      expect(line.slice(end - value.length, end), name).toBe(value);
    }
    expect(lines.length).toBe(diff.rows.length + 1);
  });

  it('prints one valid Markdown table with a row per row, even with pipes in the file names', () => {
    const md = diffMarkdown(diffMetrics([recordOf('main|old.json'), b])).join('\n');
    const tables = markdownTables(md);
    expect(tables).toHaveLength(1);
    expect(tables[0].header).toEqual(['metric', 'main|old.json', 'b.json', 'change']);
    expect(tables[0].rows).toHaveLength(diff.rows.length);
    expect(tables[0].rows[0]).toEqual(['testAcc', '0.8460', '0.7020', '-0.1440']);
    expect(tables[0].rows.find((r) => r[0] === 'config.iterations')).toEqual(['config.iterations', '200', '100', 'changed']);
    expect(tables[0].rows.find((r) => r[0] === 'config.seed')).toEqual(['config.seed', '1', '1', '']);
  });

  it('prints JSON with the files, what the changes are against, and every row', () => {
    const json = JSON.parse(diffJson(diff)) as { event: string; files: string[]; against: string; rows: unknown[] };
    expect(json.event).toBe('diff');
    expect(json.files).toEqual(['a.json', 'b.json', 'c.json']);
    expect(json.against).toBe('a.json');
    expect(json.rows).toEqual(JSON.parse(JSON.stringify(diff.rows)));
  });
});

describe('comparisonDiff', () => {
  it('is the run against its baseline: the figures, then the configuration changes that were allowed', () => {
    const summary = summaryOf({ testAcc: 0.702, iterations: 100 });
    const comparison = compareWithBaseline(a, summary, configChanges(a.config, configOf({ iterations: 100 })), {}, true);
    const lines = diffText(comparisonDiff(comparison, ['baseline', 'this run']));
    expect(lines[0]).toMatch(/^metric +baseline +this run +change$/);
    expect(lines[1]).toMatch(/^testAcc +0\.8460 +0\.7020 +-0\.1440$/);
    expect(lines[2]).toMatch(/^trainAcc +0\.8590 +0\.8590 +0$/);
    expect(lines.at(-1)).toMatch(/^config\.iterations +200 +100 +changed$/);
    expect(lines).toHaveLength(1 + 7 + 1);
  });
});
