/** bp-train's own version, from package.json (two folders up from src/cli and dist/cli). */
import { createRequire } from 'node:module';

export const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };
