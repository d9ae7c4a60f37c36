/**
 * A minimal tar reader for the tarballs inside @sparticuz/chromium (fonts, swiftshader, libs):
 * plain files and folders in ustar format, written under one folder. Anything else (links,
 * devices, paths leaving the folder) is refused rather than guessed at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString('utf8');
}

/** Writes every entry of the tar archive `tar` under `dir`; returns the paths written. */
export function untar(tar: Buffer, dir: string, what: string): string[] {
  const root = resolve(dir);
  const written: string[] = [];
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end of archive
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const mode = parseInt(field(header, 100, 8).trim() || '644', 8);
    const type = String.fromCharCode(header[156]);
    const prefix = field(header, 257, 6).startsWith('ustar') ? field(header, 345, 155) : '';
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const target = resolve(root, name);
    if (!target.startsWith(root + sep)) throw new Error(`${what}: entry '${name}' lies outside the folder`);
    const body = tar.subarray(at + BLOCK, at + BLOCK + size);
    if (body.length !== size) throw new Error(`${what}: entry '${name}' is cut short`);
    if (type === '5') {
      mkdirSync(target, { recursive: true });
    } else if (type === '0' || type === '\0') {
      mkdirSync(join(target, '..'), { recursive: true });
      writeFileSync(target, body, { mode });
      written.push(target);
    } else {
      throw new Error(`${what}: entry '${name}' has tar type '${type}', which this reader does not handle`);
    }
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return written;
}
