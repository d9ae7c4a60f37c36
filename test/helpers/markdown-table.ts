/**
 * GitHub-flavoured Markdown tables, checked strictly: a header row, a separator row whose
 * every cell is three or more dashes (with optional alignment colons), and body rows that all
 * have the header's number of cells. `\|` inside a cell is an escaped pipe, not a border.
 */

export interface MarkdownTable {
  header: string[];
  rows: string[][];
}

/** The cells of one table row ("| a | b \\| c |" -> ["a", "b | c"]), or null if it is not a row. */
export function tableCells(line: string): string[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('|') || !trimmed.endsWith('|') || trimmed.endsWith('\\|') || trimmed.length < 2) return null;
  return trimmed
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

/** Every table in `text`; throws on a table whose rows or separator are malformed. */
export function markdownTables(text: string): MarkdownTable[] {
  const lines = text.split('\n');
  const tables: MarkdownTable[] = [];
  for (let i = 0; i < lines.length; i++) {
    const header = tableCells(lines[i]);
    if (header === null) continue;
    const separator = tableCells(lines[i + 1] ?? '');
    if (separator === null || separator.length !== header.length || !separator.every((c) => /^:?-{3,}:?$/.test(c))) {
      throw new Error(`line ${i + 2}: a table's header must be followed by a separator of --- with ${header.length} cells: ${JSON.stringify(lines[i + 1])}`);
    }
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j].trim().startsWith('|'); j++) {
      const cells = tableCells(lines[j]);
      if (cells === null || cells.length !== header.length) {
        throw new Error(`line ${j + 1}: ${cells?.length ?? 'no'} cells where the header has ${header.length}: ${JSON.stringify(lines[j])}`);
      }
      rows.push(cells);
    }
    tables.push({ header, rows });
    i = j - 1;
  }
  return tables;
}
