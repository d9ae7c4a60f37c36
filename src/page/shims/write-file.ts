/**
 * The browser build's stand-in for src/io/write-file.ts: the page imports report/plots.ts for
 * its chart specifications, and plots.ts writes SVG files with writeFileAtomic. The page never
 * writes a file; calling this is a bug.
 */
export function writeFileAtomic(file: string): never {
  throw new Error(`${file}: the page writes no files`);
}
