/**
 * The first layer's weights as pictures, one per hidden unit (as ConvNetJS and the book show
 * them): unit j's column of W1 laid out as the rows x cols image it multiplies, red for
 * positive weights and blue for negative ones, each unit scaled to its own largest |weight|.
 */
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { element, thousands } from './dom.js';

/** Pictures drawn at most (a net of 4,096 units shows its first 256). */
export const MAX_PICTURES = 256;

export function drawWeights(container: HTMLElement, net: MultiLayerNet, rows: number, cols: number): void {
  const first = net.plan.params[0];
  const W = net.params[first.name];
  const units = W.cols;
  if (W.rows !== rows * cols) {
    container.replaceChildren(element('p', 'placeholder', `the inputs (${W.rows}) are not a ${rows} x ${cols} picture`));
    return;
  }
  const shown = Math.min(units, MAX_PICTURES);
  let canvases = [...container.querySelectorAll('canvas')];
  if (canvases.length !== shown || canvases.some((c) => c.width !== cols || c.height !== rows)) {
    canvases = Array.from({ length: shown }, (_, j) => {
      const c = element('canvas');
      c.width = cols;
      c.height = rows;
      c.title = `hidden unit ${j + 1}`;
      return c;
    });
    const parts: HTMLElement[] = [...canvases];
    if (shown < units) parts.push(element('p', 'note', `the first ${thousands(shown)} of ${thousands(units)} units`));
    container.replaceChildren(...parts);
  }
  canvases.forEach((canvas, j) => {
    const context = canvas.getContext('2d');
    if (context === null) return;
    let max = 0;
    for (let i = 0; i < W.rows; i++) max = Math.max(max, Math.abs(W.data[i * units + j]));
    const image = context.createImageData(cols, rows);
    for (let i = 0; i < W.rows; i++) {
      const v = max > 0 ? W.data[i * units + j] / max : 0;
      const fade = Math.round(255 * (1 - Math.abs(v)));
      image.data.set(v >= 0 ? [255, fade, fade, 255] : [fade, fade, 255, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  });
}
