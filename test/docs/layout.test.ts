// The README's "How the code is laid out" stays true: it names every folder of src/, and a
// file imports only from its own folder or from folders listed above its own.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const src = path.join(root, 'src');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** The folders in the README's layout block, top to bottom. */
function listedFolders(): string[] {
  const section = readme.split('## How the code is laid out')[1] ?? '';
  const block = /```\n([\s\S]*?)```/.exec(section);
  expect(block, 'the layout block in README.md').not.toBeNull();
  return [...block![1].matchAll(/^src\/([a-z-]+)\//gm)].map((m) => m[1]);
}

/** Every .ts file under dir. */
function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top folder of src/ that a file is in. */
const folderOf = (file: string): string => path.relative(src, file).split(path.sep)[0];

describe('the code layout in README.md', () => {
  const order = listedFolders();

  it('names every folder of src/, once', () => {
    const folders = fs.readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect([...order].sort()).toEqual([...folders].sort());
  });

  it('imports go only to the same folder or to one listed above it', () => {
    const upward: string[] = [];
    for (const folder of order) {
      for (const file of tsFiles(path.join(src, folder))) {
        const text = fs.readFileSync(file, 'utf8');
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
          const target = path.resolve(path.dirname(file), m[1]);
          if (!target.startsWith(src + path.sep)) continue;
          const to = folderOf(target);
          if (order.indexOf(to) > order.indexOf(folder)) upward.push(`${path.relative(root, file)} imports ${m[1]}`);
        }
      }
    }
    expect(upward).toEqual([]);
  });
});
