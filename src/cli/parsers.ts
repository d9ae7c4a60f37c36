/**
 * Option value parsers. Each returns a function of the value alone (commander passes the
 * previous value as a second argument, which parseInt would take as a radix) and throws
 * InvalidArgumentError saying what is allowed; commander adds the option and the value.
 */
import { InvalidArgumentError } from 'commander';

export type Parser<T> = (value: string) => T;

export function integer(min: number, max: number): Parser<number> {
  return (value) => {
    const text = value.trim();
    const n = Number(text);
    if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    }
    if (n < min || n > max) throw new InvalidArgumentError(`Expected an integer from ${min} to ${max}.`);
    return n;
  };
}

/**
 * A number written in decimal, with an optional exponent ("0.1", "1e-3", ".5"); NaN for
 * anything else. NOTE: not Number(text) alone, which also reads "0x10" (16), "0b11" and "0o7":
 * a typo must not become a silently huge learning rate.
 */
export function decimal(text: string): number {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
}

/** A finite number in a range; `exclusiveMin` makes the lower bound strict (> instead of >=). */
export function finite(min: number, max: number, exclusiveMin = false): Parser<number> {
  const allowed = `a finite number ${exclusiveMin ? '>' : '>='} ${min}${Number.isFinite(max) ? ` and <= ${max}` : ''}`;
  return (value) => {
    const text = value.trim();
    const n = decimal(text);
    if (text === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`Expected ${allowed}.`);
    if ((exclusiveMin ? n <= min : n < min) || n > max) throw new InvalidArgumentError(`Expected ${allowed}.`);
    return n;
  };
}

export function oneOf<T extends string>(choices: readonly T[]): Parser<T> {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`Expected one of: ${choices.join(', ')}.`);
    }
    return value as T;
  };
}

export function nonEmpty(what: string): Parser<string> {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`Expected ${what}, got an empty string.`);
    return value;
  };
}

/**
 * One integer, or a comma-separated list of 1 to maxCount of them ("100,100,100"), each in
 * [min, max]: always a list. NOTE: commander passes the option's previous value as a second
 * argument (for repeatable options): ignored here, so a repeated --hidden replaces, not appends.
 */
export function integerList(min: number, max: number, maxCount: number): Parser<number[]> {
  const one = integer(min, max);
  const expected = `Expected an integer from ${min} to ${max}, or a comma-separated list of 1 to ${maxCount} of them (e.g. 100,100).`;
  return (value) => {
    const parts = value.split(',');
    if (parts.length > maxCount) throw new InvalidArgumentError(expected);
    return parts.map((part) => {
      try {
        return one(part);
      } catch {
        throw new InvalidArgumentError(expected);
      }
    });
  };
}

/** A number in [0, 1): a decay rate or a momentum. */
export const unitInterval: Parser<number> = (value) => {
  const text = value.trim();
  const n = decimal(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('Expected a number >= 0 and < 1.');
  return n;
};
