/**
 * The AssemblyScript copy of layout.ts's constants: the text of src/wasm/layout.as.ts, which
 * test/engine/layout.test.ts compares with the file (and writes with WRITE_WASM_LAYOUT=1), so
 * that the layout is written once, in layout.ts.
 */
import {
  ACTIVATION_CODES, COMMANDS, FAILURES, LIST_SPARE, MAX_TEAM, OP_FIELDS, OP_HEADER_WORDS, OP_NAMES, OPTIMIZER_CODES, REGION_FIELDS, SLOT,
  SLOT_BYTES, SLOTS, TEAM, TEAM_TYPES,
} from './layout.js';

/** The text of src/wasm/layout.as.ts: every constant above that the AssemblyScript side reads. */
export function wasmLayoutSource(): string {
  const lines = [
    '// GENERATED from src/engine/layout.ts by layout-source.ts: do not edit. To write it again:',
    '//   WRITE_WASM_LAYOUT=1 npx vitest run test/engine/layout.test.ts',
    '',
    `export const MAX_TEAM: i32 = ${MAX_TEAM};`,
    `export const LIST_SPARE: i32 = ${LIST_SPARE};`,
    '',
    '// Team block fields (bytes from its start) and a thread slot\'s.',
    ...Object.entries(TEAM).map(([name, offset]) => `export const TEAM_${name}: usize = ${offset}; // ${TEAM_TYPES[name]}`),
    `export const SLOTS: usize = ${SLOTS};`,
    `export const SLOT_BYTES: usize = ${SLOT_BYTES};`,
    ...Object.entries(SLOT).map(([name, offset]) => `export const SLOT_${name}: usize = ${offset};`),
    '',
    '// Commands and failures.',
    ...Object.entries(COMMANDS).map(([name, code]) => `export const CMD_${name}: i32 = ${code};`),
    ...Object.entries(FAILURES).map(([name, code]) => `export const FAIL_${name}: i32 = ${code};`),
    '',
    '// Activations and optimizers.',
    ...Object.entries(ACTIVATION_CODES).map(([name, code]) => `export const ACT_${name.toUpperCase()}: i32 = ${code};`),
    ...Object.entries(OPTIMIZER_CODES).map(([name, code]) => `export const OPT_${name.toUpperCase()}: i32 = ${code};`),
    '',
    '// Ops: the code of each, and its fields as byte offsets from the op\'s start.',
    `export const OP_HEADER_WORDS: i32 = ${OP_HEADER_WORDS};`,
  ];
  OP_NAMES.forEach((name, code) => {
    lines.push(`export const OP_${name}: i32 = ${code};`);
    OP_FIELDS[name].forEach((field: string, i: number) => {
      lines.push(`export const ${name}_${field}: usize = ${(OP_HEADER_WORDS + i) * 4};`);
    });
  });
  lines.push('', '// An update region\'s fields (bytes from its start), and its size.');
  REGION_FIELDS.forEach((field, i) => lines.push(`export const REGION_${field}: usize = ${i * 4};`));
  lines.push(`export const REGION_BYTES: usize = ${REGION_FIELDS.length * 4};`, '');
  return lines.join('\n');
}
