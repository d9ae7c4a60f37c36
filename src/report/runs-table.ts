/**
 * A plain text table for people (compare's runs, search's trials): a header and one row per
 * entry, columns padded to their widest cell, numbers aligned right, two spaces between.
 */

export interface Column<T> {
  title: string;
  cell(row: T): string;
  /** Numbers: aligned right. */
  right?: boolean;
}

export function textTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string[] {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => (columns[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)];
}

/** An accuracy with 4 decimals, '-' when there is none. */
export function accText(x: number | undefined): string {
  return x !== undefined && Number.isFinite(x) ? x.toFixed(4) : '-';
}
