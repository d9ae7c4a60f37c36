/**
 * Vitest global setup, run once per `vitest run` before any test file: finds the headless
 * browser for the chart tests and hands its launch settings to them (inject('browser')).
 * CHROME_PATH names a Chrome or Chromium to use as is; otherwise the one bundled in
 * @sparticuz/chromium is unpacked (once per install, ~200 MB under node_modules/.cache).
 * A failure here is passed on as a message, so that only the browser tests fail, with it.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { bundledChromiumDir, unpackBundledChromium, type BrowserSetup } from './helpers/bundled-chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    browser: BrowserSetup | { error: string };
  }
}

async function findBrowser(): Promise<BrowserSetup> {
  const chromePath = process.env.CHROME_PATH;
  if (chromePath) {
    if (!existsSync(chromePath)) throw new Error(`CHROME_PATH: ${chromePath} does not exist`);
    return { executablePath: chromePath, env: {} };
  }
  const fresh = !existsSync(bundledChromiumDir());
  const start = Date.now();
  const setup = await unpackBundledChromium();
  if (fresh) console.log(`headless Chromium unpacked into ${bundledChromiumDir()} in ${((Date.now() - start) / 1000).toFixed(1)} s (once per install)`);
  return setup;
}

export default async function setup(project: TestProject): Promise<void> {
  try {
    project.provide('browser', await findBrowser());
  } catch (error) {
    project.provide('browser', { error: `headless browser for the chart tests: ${error instanceof Error ? error.message : String(error)}` });
  }
}
