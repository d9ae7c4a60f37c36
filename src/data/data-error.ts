/**
 * DataError: a dataset that is missing, unreadable or malformed.
 * The message names the file and what is wrong; the CLI maps it to exit code 3.
 */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'DataError';
  }
}
