/**
 * A 28 x 28 grey digit (bytes, ink bright as in MNIST) as a PNG data URI, to embed in an SVG
 * (an <image> element). Encoded with pngjs; drawn dark on white for the eye.
 */
import { PNG } from 'pngjs';

export function digitDataUri(pixels: Uint8Array, rows: number, cols: number): string {
  const png = new PNG({ width: cols, height: rows, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  for (let i = 0; i < rows * cols; i++) png.data[i] = 255 - pixels[i];
  return `data:image/png;base64,${PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }).toString('base64')}`;
}
