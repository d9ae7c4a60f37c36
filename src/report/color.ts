/**
 * Colour is decided once, at start-up, and set on chalk (which does not honour NO_COLOR).
 * Order: NO_COLOR (any non-empty value) turns it off; FORCE_COLOR turns it on (unless 0 or
 * false); otherwise colour only on a terminal and never when CI is set.
 */
import chalk from 'chalk';

export function decideColor(env: NodeJS.ProcessEnv, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false') return false;
  return isTTY;
}

/** Sets chalk's level once for the process. */
export function initColor(enabled: boolean): void {
  chalk.level = enabled ? 1 : 0;
}

/** A terminal that wants interactive output (progress bars): a TTY, and not in CI. */
export function isInteractive(env: NodeJS.ProcessEnv, stream: NodeJS.WriteStream): boolean {
  return stream.isTTY === true && (env.CI === undefined || env.CI === '' || env.CI === 'false') && env.TERM !== 'dumb';
}
