/**
 * The headless browser of the chart tests, driven by puppeteer-core: launched with the
 * settings that test/global-setup.ts provides, it renders an SVG file and returns the picture.
 */
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { inject } from 'vitest';

/** Flags for rendering a page without a GPU, as root (no sandbox). */
const ARGS = ['--no-sandbox', '--disable-gpu'];

export async function launchBrowser(): Promise<Browser> {
  const setup = inject('browser');
  if ('error' in setup) throw new Error(setup.error);
  return puppeteer.launch({
    executablePath: setup.executablePath,
    headless: 'shell',
    args: ARGS,
    env: { ...process.env, ...setup.env },
    protocolTimeout: 50_000, // under vitest's 60 s test timeout, so a hang fails with its cause
  });
}

/** A screenshot of the SVG file `file` (opened as a document of its own) at width x height CSS pixels, decoded. */
/** `other` and a browser launched meanwhile; when either fails, a browser that did launch is closed (else nothing would) and the error thrown. */
export async function launchBrowserWith<T>(other: Promise<T>): Promise<[T, Browser]> {
  const [done, launched] = await Promise.allSettled([other, launchBrowser()]);
  if (done.status === 'fulfilled' && launched.status === 'fulfilled') return [done.value, launched.value];
  if (launched.status === 'fulfilled') await launched.value.close();
  throw done.status === 'rejected' ? done.reason : (launched as PromiseRejectedResult).reason;
}

export async function renderSvgFile(browser: Browser, file: string, width: number, height: number): Promise<PNG> {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width, height });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return PNG.sync.read(Buffer.from(await page.screenshot({ type: 'png' })));
  } finally {
    await page.close();
  }
}
