/**
 * The headless Chromium that ships inside the @sparticuz/chromium package (a Linux x86-64
 * chrome-headless-shell, brotli-compressed, with its fonts and libraries as tarballs), unpacked
 * once into node_modules/.cache/bp-train-chromium-<version>. Its swiftshader tarball (software
 * WebGL) is left packed: the tests run the browser with --disable-gpu.
 *
 * The package's own executablePath() unpacks into os.tmpdir() and reuses whatever it finds
 * there, even a half-written binary, and two processes unpacking at once fail with ETXTBSY.
 * So this writes everything into a fresh temporary folder and renames it into place when it is
 * complete: the versioned folder either does not exist or is whole, and a process that loses
 * the race to rename just uses the winner's folder.
 */
import { chmodSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { untar } from './untar.js';

const require = createRequire(import.meta.url);
/** The package's folder (its main is build/cjs/index.cjs; package.json is not exported). */
const PACKAGE_DIR = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
const VERSION = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;

/** What a browser launch needs: the executable and the environment to give it. */
export interface BrowserSetup {
  executablePath: string;
  env: Record<string, string>;
}

/** The folder the bundled browser is unpacked into, named after the package version. */
export function bundledChromiumDir(): string {
  return join(PACKAGE_DIR, '..', '..', '.cache', `bp-train-chromium-${VERSION}`);
}

/** Launch settings for an unpacked folder: its binary, its fonts (fontconfig) and its libraries. */
function setupOf(dir: string): BrowserSetup {
  return {
    executablePath: join(dir, 'chromium'),
    env: {
      FONTCONFIG_PATH: dir,
      FONTCONFIG_FILE: join(dir, 'fonts.conf'),
      // NSS, NSPR and expat built for the binary, so that the machine needs none of its own.
      LD_LIBRARY_PATH: [join(dir, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
    },
  };
}

/** Only the fonts unpacked here: text renders the same on every machine. */
function fontsConf(dir: string): string {
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${join(dir, 'fonts')}</dir>`,
    `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

/** Unpacks the bundled browser unless a complete copy is already in place; returns how to launch it. */
export async function unpackBundledChromium(): Promise<BrowserSetup> {
  const dir = bundledChromiumDir();
  if (existsSync(join(dir, 'chromium'))) return setupOf(dir);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the headless Chromium bundled in @sparticuz/chromium runs on Linux x86-64 only (this is ${process.platform}-${process.arch}); ` +
        'set CHROME_PATH to a Chrome or Chromium executable',
    );
  }
  mkdirSync(dirname(dir), { recursive: true });
  const partial = mkdtempSync(`${dir}.partial-`);
  try {
    const bin = join(PACKAGE_DIR, 'bin');
    await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(partial, 'chromium'), { mode: 0o755 }));
    // fonts/ (Open Sans) and lib/ (NSS, NSPR, expat).
    for (const tarball of ['fonts.tar.br', 'al2023.tar.br']) {
      untar(brotliDecompressSync(readFileSync(join(bin, tarball))), partial, tarball);
    }
    writeFileSync(join(partial, 'fonts.conf'), fontsConf(dir));
    chmodSync(partial, 0o755);
    try {
      renameSync(partial, dir);
    } catch (error) {
      // Another process renamed its complete copy into place first: use that one.
      if (!existsSync(join(dir, 'chromium'))) throw existsSync(dir) ? new Error(`${dir} holds no chromium binary: delete that folder`) : error;
      rmSync(partial, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  return setupOf(dir);
}
