/**
 * The browser build's stand-in for node:fs, for modules the page imports for their pure parts
 * (data/catalog.ts: the class names; it reads a catalog file only when asked to). Never called.
 */
export function readFileSync(file: string): never {
  throw new Error(`${file}: the page reads no files`);
}
