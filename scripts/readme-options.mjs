#!/usr/bin/env node
// Regenerates the options tables of README.md from the option lists in src/cli/options.ts
// (run `npm run build` first). `--check` exits 1 when README.md is out of date.
import fs from 'node:fs';
import { optionTables } from '../dist/cli/options-table.js';

const readmePath = new URL('../README.md', import.meta.url);
const readme = fs.readFileSync(readmePath, 'utf8');
let updated = readme;
for (const [name, table] of Object.entries(optionTables())) {
  const pattern = new RegExp(`(<!-- options:${name}:start -->\\n)[\\s\\S]*?(<!-- options:${name}:end -->)`);
  if (!pattern.test(updated)) {
    console.error(`README.md: markers for '${name}' not found`);
    process.exit(1);
  }
  updated = updated.replace(pattern, `$1${table}$2`);
}
if (process.argv.includes('--check')) {
  if (updated !== readme) {
    console.error('README.md options tables are out of date: run `npm run build && node scripts/readme-options.mjs`');
    process.exit(1);
  }
} else {
  fs.writeFileSync(readmePath, updated);
}
