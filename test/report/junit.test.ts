/**
 * --junit: the XML parses (with the strict test parser, and with Python's ElementTree where
 * python3 is installed), has one test case per gate with the failures and errors marked and
 * counted, the run's figures as properties, and escapes what XML needs escaped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { junitXml, xmlEscape } from '../../src/report/junit.js';
import { compareWithBaseline } from '../../src/train/baseline.js';
import { childrenNamed, parseXml, parseXmlWithPython, type XmlElement } from '../helpers/xml.js';
import { metricsFileOf, recordOf, summaryOf } from '../train/ci-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'bp-junit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WHEN = new Date('2025-03-04T05:06:07.890Z');

/** Parses `xml` both ways (they must agree) and returns the <testsuite>. */
function suiteOf(xml: string): XmlElement {
  const tree = parseXml(xml);
  const file = join(root, `j-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const python = parseXmlWithPython(file);
  if (python !== null) expect(python).toEqual(tree);
  expect(tree.name).toBe('testsuites');
  const suites = childrenNamed(tree, 'testsuite');
  expect(suites).toHaveLength(1);
  return suites[0];
}

const properties = (suite: XmlElement): Record<string, string> =>
  Object.fromEntries(childrenNamed(childrenNamed(suite, 'properties')[0], 'property').map((p) => [p.attributes.name, p.attributes.value]));

describe('junitXml', () => {
  it('has one test case per gate, absolute and relative, with the failures marked and counted', () => {
    const baseline = recordOf('main.json', { testAcc: 0.9123 });
    const summary = summaryOf({
      testAcc: 0.9,
      status: 'gate-failed',
      gates: [
        { option: '--min-test-acc', bar: 0.85, value: 0.9, passed: true },
        { option: '--max-loss', bar: 0.1, value: 0.5347, passed: false },
      ],
    });
    summary.baseline = compareWithBaseline(baseline, summary, [], { maxDrop: 0.001, maxLossRise: 1 }, true);
    const run = { ...metricsFileOf(), ...summary };
    const xml = junitXml(run, [], WHEN);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    const suite = suiteOf(xml);
    expect(suite.attributes).toMatchObject({ name: 'bp-train', tests: '4', failures: '2', errors: '0', time: '0.591', timestamp: '2025-03-04T05:06:07' });
    const cases = childrenNamed(suite, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['--min-test-acc 0.85', '--max-loss 0.1', '--max-drop 0.001', '--max-loss-rise 1']);
    expect(cases.map((c) => c.children.map((f) => f.name))).toEqual([[], ['failure'], ['failure'], []]);
    const drop = childrenNamed(cases[2], 'failure')[0];
    expect(drop.attributes.message).toBe("gate --max-drop 0.001: FAILED: test accuracy 0.9000 is 0.0123 below the baseline's 0.9123 (main.json), more than the bar 0.001");
    expect(drop.text).toBe(drop.attributes.message);
    expect(childrenNamed(cases[1], 'failure')[0].attributes.message).toBe('gate --max-loss 0.1: FAILED: final loss 0.5347 is above the bar 0.1');
  });

  it('lists the run figures, configuration, environment and the baseline as properties', () => {
    const summary = summaryOf();
    summary.baseline = compareWithBaseline(recordOf('main.json', { testAcc: 0.9 }), summary, [], {}, true);
    const props = properties(suiteOf(junitXml({ ...metricsFileOf(), ...summary }, [], WHEN)));
    expect(props).toMatchObject({
      version: '0.1.0',
      status: 'ok',
      testAcc: '0.846',
      loss: '0.5347353567911808',
      wallMs: '591',
      'config.seed': '1',
      'config.data': 'mnist-lite',
      'config.testLimit': '',
      'environment.node': 'v20.20.2',
      'baseline.file': 'main.json',
      'baseline.testAcc': '0.9',
    });
    expect(Number(props['change.testAcc'])).toBeCloseTo(-0.054, 12);
  });

  it('marks the gates of a run that diverged as errors: not checked, and why', () => {
    const run = metricsFileOf({ status: 'diverged', diverged: true, testAcc: NaN });
    const suite = suiteOf(junitXml(run, [{ name: '--min-test-acc 0.9', reason: 'training diverged at iteration 57' }], WHEN));
    expect(suite.attributes).toMatchObject({ tests: '1', failures: '0', errors: '1' });
    const error = childrenNamed(childrenNamed(suite, 'testcase')[0], 'error')[0];
    expect(error.attributes.message).toBe('not checked: training diverged at iteration 57');
    expect(properties(suite).testAcc).toBe('NaN');
  });

  it('has no test case when no gate was asked for', () => {
    const suite = suiteOf(junitXml(metricsFileOf(), [], WHEN));
    expect(suite.attributes.tests).toBe('0');
    expect(childrenNamed(suite, 'testcase')).toEqual([]);
  });

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(xmlEscape(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
    expect(xmlEscape('x\u0001y\u001bz\ttab')).toBe('x\uFFFDy\uFFFDz\ttab');
    const summary = summaryOf();
    summary.baseline = compareWithBaseline(recordOf(`<&"main'>.json`), summary, [], { maxDrop: 0 }, true);
    const props = properties(suiteOf(junitXml({ ...metricsFileOf({}, { data: 'data/<fashion>&"x"' }), ...summary }, [], WHEN)));
    expect(props['baseline.file']).toBe(`<&"main'>.json`);
    expect(props['config.data']).toBe('data/<fashion>&"x"');
  });
});

describe('the strict XML parser of these tests', () => {
  it.each([
    ['a bare &', '<a>x & y</a>'],
    ['a bare < in an attribute', '<a b="<"/>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed tag', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['text outside the root', '<a/>tail'],
  ])('refuses %s', (_, xml) => expect(() => parseXml(xml)).toThrow(/^XML: /));
});
