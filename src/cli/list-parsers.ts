/**
 * Option value parsers for the experiments (compare, search) and --validation: a fraction in
 * (0, 1), comma-separated lists of numbers, names or on/off, and a "low,high" range. Like
 * parsers.ts, each throws InvalidArgumentError saying what is allowed (commander adds the
 * option and the value), and ignores commander's second argument.
 */
import { InvalidArgumentError } from 'commander';
import { decimal, finite, oneOf, type Parser } from './parsers.js';

/** A number strictly between 0 and 1 (a share held out). */
export const openFraction: Parser<number> = (value) => {
  const text = value.trim();
  const n = decimal(text);
  if (text === '' || !Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError('Expected a number > 0 and < 1.');
  return n;
};

/** One value or a comma-separated list of up to `maxCount` of them, each read by `one`; `expected` says what one is. */
export function listOf<T>(one: Parser<T>, expected: string, maxCount = 64): Parser<T[]> {
  const message = `Expected ${expected}, or a comma-separated list of up to ${maxCount} of them.`;
  return (value) => {
    const parts = value.split(',');
    if (parts.length > maxCount) throw new InvalidArgumentError(message);
    return parts.map((part) => {
      try {
        return one(part.trim());
      } catch {
        throw new InvalidArgumentError(message);
      }
    });
  };
}

/** A list of finite numbers in [min, max] (> min with exclusiveMin). */
export function numberList(min: number, max: number, exclusiveMin = false): Parser<number[]> {
  return listOf(finite(min, max, exclusiveMin), `a number ${exclusiveMin ? '>' : '>='} ${min} and <= ${max}`);
}

/** A list of names out of `choices`. */
export function nameList<T extends string>(choices: readonly T[]): Parser<T[]> {
  return listOf(oneOf(choices), `one of ${choices.join(', ')}`);
}

/** A list of on/off switches: on, off (also true/false, yes/no, 1/0). */
export const onOffList: Parser<boolean[]> = listOf((part) => {
  const word = part.toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(word)) return true;
  if (['off', 'false', 'no', '0'].includes(word)) return false;
  throw new InvalidArgumentError('on or off');
}, 'on or off');

/** A list of dropout ratios: off (no Dropout layer) or a ratio in [0, 1). */
export const dropoutList: Parser<(number | null)[]> = listOf((part) => {
  if (part.toLowerCase() === 'off' || part.toLowerCase() === 'none') return null;
  const n = decimal(part.trim());
  if (part === '' || !Number.isFinite(n) || n < 0 || n >= 1) throw new InvalidArgumentError('a ratio');
  return n;
}, "off or a ratio >= 0 and < 1");

/** "low,high": two finite numbers, low < high (the exponents' range of a log-uniform draw, after log10). */
export function positiveRange(): Parser<[number, number]> {
  const message = 'Expected two positive numbers low,high with low < high (e.g. 1e-6,1e-2, as 10 to the powers between).';
  return (value) => {
    const parts = value.split(',').map((p) => p.trim());
    const [low, high] = parts.map(decimal);
    if (parts.length !== 2 || parts.some((p) => p === '') || !(low > 0 && high > 0 && Number.isFinite(low) && Number.isFinite(high) && low < high)) {
      throw new InvalidArgumentError(message);
    }
    return [low, high];
  };
}
