/**
 * A MetricsDiff (train/metrics-diff.ts) as text columns, a Markdown table (a pull-request
 * comment, $GITHUB_STEP_SUMMARY) or JSON. Columns: the row's name, then each file's value,
 * and after every file but the first its change against the first.
 * Result and timing figures show their change as a signed number; settings and facts
 * (config, environment) as "changed".
 */
import type { DiffRow, DiffValue, MetricsDiff } from '../train/metrics-diff.js';

/** A value for people: accuracies and losses with 4 decimals, settings as they were given. */
export function valueText(row: DiffRow, v: DiffValue): string {
  if (v === null) return '-';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) || row.section === 'config' || row.section === 'environment') return String(v);
  return v.toFixed(4);
}

/** "0" for no change, "+0.0145", "-12", "+3.2e-6" for changes too small for 4 decimals. */
export function changeText(change: number): string {
  if (change === 0) return '0';
  const sign = change > 0 ? '+' : '-';
  const size = Math.abs(change);
  if (Number.isInteger(size)) return `${sign}${size}`;
  return `${sign}${size >= 0.00005 ? size.toFixed(4) : size.toExponential(1)}`;
}

function cellOfChange(row: DiffRow, i: number): string {
  const change = row.changes[i];
  if ((row.section === 'metric' || row.section === 'timing') && change !== null && change !== undefined) return changeText(change);
  return row.changed[i] ? 'changed' : '';
}

/** Header and body cells: name, value 1, value 2, change 2, value 3, change 3... */
export function diffCells(diff: MetricsDiff): { header: string[]; body: string[][] } {
  const header = ['metric'];
  diff.files.forEach((file, i) => header.push(...(i === 0 ? [file] : [file, 'change'])));
  const body = diff.rows.map((row) => {
    const cells = [row.name];
    row.values.forEach((v, i) => cells.push(...(i === 0 ? [valueText(row, v)] : [valueText(row, v), cellOfChange(row, i)])));
    return cells;
  });
  return { header, body };
}

/** Aligned columns: names to the left, values and changes to the right. */
export function diffText(diff: MetricsDiff): string[] {
  const { header, body } = diffCells(diff);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)];
}

/** One GitHub-flavoured Markdown table; `|` in a cell is escaped. */
export function diffMarkdown(diff: MetricsDiff): string[] {
  const { header, body } = diffCells(diff);
  const row = (cells: string[]): string => `| ${cells.map((c) => markdownCell(c)).join(' | ')} |`;
  return [row(header), row(header.map(() => '---')), ...body.map(row)];
}

/** Text as a table cell: a | or a backslash kept as text, a newline as a space, and no HTML (a data path `<b>` is shown, not rendered). */
export function markdownCell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** Text as inline code (shown as it is, HTML too): no backtick or newline can end it early. */
export function markdownCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\r?\n/g, ' ')}\``;
}

/** The --json form: the files (the first is what the changes are against) and every row. */
export function diffJson(diff: MetricsDiff): string {
  return JSON.stringify({ event: 'diff', files: diff.files, against: diff.files[0], rows: diff.rows });
}
