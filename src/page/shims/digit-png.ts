/**
 * The browser build's stand-in for src/report/digit-png.ts (pngjs): the same picture, a 28 x 28
 * grey digit drawn dark on white as a PNG data URI, encoded by the browser's canvas instead.
 */
export function digitDataUri(pixels: Uint8Array, rows: number, cols: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const context = canvas.getContext('2d');
  if (context === null) return '';
  const image = context.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const v = 255 - pixels[i];
    image.data.set([v, v, v, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}
