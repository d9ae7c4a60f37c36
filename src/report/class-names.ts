/**
 * Class names in text output: 'T-shirt/top' for class 0 of Fashion-MNIST, 'お' for KMNIST's,
 * the digit itself for MNIST. Hiragana and other East Asian wide characters take two columns
 * on a terminal, so columns are padded by display width, not by string length.
 */
import { DIGIT_CLASS_NAMES } from '../data/catalog.js';

/** The name of class `c`, or its number when the list has none. */
export function className(names: readonly string[] | undefined, c: number): string {
  return names?.[c] ?? String(c);
}

/** Whether the names are just the digits 0..9 (MNIST): then the numbers say it all. */
export function isDigitNames(names: readonly string[] | undefined): boolean {
  return names === undefined || (names.length === DIGIT_CLASS_NAMES.length && names.every((n, i) => n === DIGIT_CLASS_NAMES[i]));
}

/** Columns a string takes on a terminal: 2 for East Asian wide and fullwidth characters (Unicode UAX #11, main blocks), else 1. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

/** `text` with spaces after it up to `width` columns. */
export function padEndColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}
