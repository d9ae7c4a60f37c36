/**
 * The README's options tables, generated from the same option lists as --help
 * (scripts/readme-options.mjs writes them; a test checks that README.md is current).
 */
import { commandOptions, type OptionDef } from './options.js';

export function markdownTable(defs: readonly OptionDef[]): string {
  const rows = defs.map((d) => {
    const def = d.defaultValue === undefined ? '' : `\`${String(d.defaultValue)}\``;
    return `| \`${d.flags}\` | ${def} | ${d.description.replace(/\|/g, '\\|')} |`;
  });
  return ['| option | default | meaning |', '| --- | --- | --- |', ...rows].join('\n') + '\n';
}

export function optionTables(): Record<string, string> {
  return Object.fromEntries(Object.entries(commandOptions).map(([name, defs]) => [name, markdownTable(defs)]));
}
