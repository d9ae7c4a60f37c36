/**
 * Drawing a digit on the page's pad the way a visitor would, with mouse (or touch) events: an
 * MNIST test digit traced row by row, one stroke along each run of ink (pixels of 128 and
 * more), scaled from 28 x 28 to the pad's size on the screen.
 */
import type { Page } from 'puppeteer-core';

/** The strokes (start and end, in pixels of the 28 x 28 picture) that trace a digit's ink. */
export function inkRuns(pixels: Uint8Array, size = 28): { x0: number; x1: number; y: number }[] {
  const runs: { x0: number; x1: number; y: number }[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (pixels[y * size + x] < 128) continue;
      let x1 = x;
      while (x1 + 1 < size && pixels[y * size + x1 + 1] >= 128) x1++;
      runs.push({ x0: x, x1, y });
      x = x1;
    }
  }
  return runs;
}

/**
 * Clears the pad, traces the digit on it with the mouse (or a finger: the page's viewport must
 * have touch), and waits for the page's prediction.
 */
export async function drawDigit(page: Page, pixels: Uint8Array, input: 'mouse' | 'touch' = 'mouse'): Promise<void> {
  await page.click('#clear');
  const box = await (await page.$('#pad'))!.boundingBox();
  if (box === null) throw new Error('the pad is not on screen');
  const s = box.width / 28;
  for (const { x0, x1, y } of inkRuns(pixels)) {
    const [ax, bx, py] = [box.x + (x0 + 0.5) * s, box.x + (x1 + 0.5) * s, box.y + (y + 0.5) * s];
    if (input === 'mouse') {
      await page.mouse.move(ax, py);
      await page.mouse.down();
      await page.mouse.move(bx, py);
      await page.mouse.up();
    } else {
      await page.touchscreen.touchStart(ax, py);
      await page.touchscreen.touchMove(bx, py);
      await page.touchscreen.touchEnd();
    }
  }
  // the page classifies at the next animation frame after the last stroke
  await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  await page.waitForFunction("document.querySelector('#prediction').dataset.state === 'predicted'");
}

/** What the page shows after a drawing: its class, the ten probabilities (exact and as shown), the 28 x 28 picture, the drawing as a PNG. */
export interface PagePrediction {
  class: number;
  probabilities: number[];
  shown: string[];
  framed: number[];
  png: Buffer;
}

/** Runs in the page (the tests' TypeScript has no DOM types, so browser code is text). */
const READ_PREDICTION = `(() => {
  const items = [...document.querySelectorAll('#probabilities li')];
  const framed = document.querySelector('#framed').getContext('2d').getImageData(0, 0, 28, 28).data;
  return {
    class: Number(document.querySelector('#prediction').dataset.class),
    probabilities: items.map((li) => Number(li.dataset.p)),
    shown: items.map((li) => li.querySelector('.value').textContent),
    framed: Array.from({ length: 784 }, (_, i) => framed[4 * i]),
    png: document.querySelector('#pad').toDataURL('image/png'),
  };
})()`;

export async function readPrediction(page: Page): Promise<PagePrediction> {
  const read = (await page.evaluate(READ_PREDICTION)) as Omit<PagePrediction, 'png'> & { png: string };
  return { ...read, png: Buffer.from(read.png.slice(read.png.indexOf(',') + 1), 'base64') };
}
