// The hooks of log-modules.mjs (they run on Node's loader thread).
import { appendFileSync } from 'node:fs';

const log = process.env.BP_TEST_MODULE_LOG;

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (log !== undefined && resolved.url.startsWith('file:')) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
