/**
 * Builds the page (src/page) for the browser: one classic script, build/page/page.js (an IIFE,
 * so that the exported page also runs from file://, where Chromium refuses module scripts),
 * beside the static files of public/ (index.html, page.css). The library code comes from the
 * same sources as the CLI's; the modules that touch the file system or pngjs are replaced by
 * browser stand-ins (shims/): the wasm loader (so the page runs the TypeScript kernels), the
 * file writer and node:fs (the page calls neither: they come with modules it takes specs and
 * class names from) and the digit PNG encoder (canvas instead of pngjs).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  publicDir: here('public'),
  logLevel: 'warn',
  resolve: {
    alias: [
      { find: /^(?:\.\/|(?:\.\.\/)+kernels\/)wasm-module\.js$/, replacement: here('shims/no-wasm.ts') },
      { find: /^(?:\.\.\/)+io\/write-file\.js$/, replacement: here('shims/write-file.ts') },
      { find: /^(?:\.\/|(?:\.\.\/)+report\/)digit-png\.js$/, replacement: here('shims/digit-png.ts') },
      { find: /^node:fs$/, replacement: here('shims/node-fs.ts') },
    ],
  },
  build: {
    outDir: here('../../build/page'),
    emptyOutDir: true,
    target: 'es2022',
    minify: true,
    reportCompressedSize: false,
    lib: { entry: here('main.ts'), formats: ['iife'], name: 'bpTrainPage', fileName: () => 'page.js' },
  },
});
