/**
 * An op of a program (program.ts): its name (layout.ts's OP_FIELDS) and its fields, each a
 * number or the name of a buffer (layout addresses, resolved by encode.ts).
 */
import type { OpName } from './layout.js';

export type Operand = number | string;

export interface Op {
  readonly name: OpName;
  readonly fields: Readonly<Record<string, Operand>>;
}

export const op = (name: OpName, fields: Record<string, Operand> = {}): Op => ({ name, fields });

/** One line per op, its fields by name: the text the snapshot tests compare. */
export function describeOps(ops: readonly Op[]): string {
  return ops.map((o) => [o.name, ...Object.entries(o.fields).map(([k, v]) => `${k}=${v}`)].join(' ')).join('\n');
}
