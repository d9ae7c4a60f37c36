/**
 * The MNIST framing of a digit, pure (no file, no decoder: the browser page runs it too):
 * RGBA pixels become ink (luminance, transparent pixels laid on white paper, `invert` for dark
 * ink on light paper), and the ink's bounding box is scaled so that its longer side is 20
 * pixels (aspect ratio kept, area-averaged), then placed in a 28 x 28 field so that its center
 * of mass is at the center (LeCun et al.), where MNIST's digits have it. png-digit.ts reads PNG
 * files into it.
 */

export const FIELD = 28;
export const BOX = 20;
/** The pixel (x = y, from 0) at which MNIST's digits have their center of mass. */
export const MNIST_CENTER = 14;

/** RGBA bytes (width x height, not premultiplied) as ink in 0..1, ink high: grey on white paper, inverted for dark ink. */
export function inkOfRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, invert: boolean): Float32Array {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) {
    const a = data[4 * i + 3] / 255;
    const luminance = 0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2];
    const grey = (a * luminance + (1 - a) * 255) / 255;
    ink[i] = invert ? 1 - grey : grey;
  }
  return ink;
}

/** Frames the ink (width x height, values 0..1, ink high) as a 28 x 28 MNIST digit; null when the picture is blank. */
export function frameDigit(ink: Float32Array, width: number, height: number): Uint8Array | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of ink) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (!(hi - lo >= 1 / 255)) return null;
  const scaled = ink.map((v) => (v - lo) / (hi - lo));

  // Bounding box of the ink (faint anti-aliasing below 5% left out)
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (scaled[y * width + x] > 0.05) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const crop = new Float32Array(w * h);
  for (let y = 0; y < h; y++) crop.set(scaled.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);

  const s = BOX / Math.max(w, h);
  const nw = Math.max(1, Math.round(w * s));
  const nh = Math.max(1, Math.round(h * s));
  const box = resizeArea(crop, w, h, nw, nh);

  // Center of mass moved to where MNIST's digits have it: pixel (14, 14), counting pixels from
  // 0 (the mean over its 10,000 test digits is (14.01, 13.99)), not the field's middle 13.5.
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const v = box[y * nw + x];
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const ox = Math.round(MNIST_CENTER - mx / mass);
  const oy = Math.round(MNIST_CENTER - my / mass);
  const out = new Uint8Array(FIELD * FIELD);
  for (let y = 0; y < nh; y++) {
    for (let x = 0; x < nw; x++) {
      const fx = x + ox;
      const fy = y + oy;
      if (fx >= 0 && fx < FIELD && fy >= 0 && fy < FIELD) out[fy * FIELD + fx] = Math.round(255 * Math.min(1, box[y * nw + x]));
    }
  }
  return out;
}

/** Resamples w x h to nw x nh by area averaging (each target pixel is the mean of the source area it covers). */
export function resizeArea(src: Float32Array, w: number, h: number, nw: number, nh: number): Float32Array {
  const rows = resample1d(src, w, h, nw, true); // h x nw
  return resample1d(rows, nw, h, nh, false); // nh x nw
}

function resample1d(src: Float32Array, w: number, h: number, n: number, alongX: boolean): Float32Array {
  const len = alongX ? w : h;
  const out = new Float32Array(alongX ? h * n : n * w);
  const step = len / n; // source pixels per target pixel
  for (let j = 0; j < n; j++) {
    const from = j * step;
    const to = from + step;
    for (let i = Math.floor(from); i < Math.min(len, Math.ceil(to)); i++) {
      const weight = (Math.min(to, i + 1) - Math.max(from, i)) / step;
      if (alongX) for (let y = 0; y < h; y++) out[y * n + j] += weight * src[y * w + i];
      else for (let x = 0; x < w; x++) out[j * w + x] += weight * src[i * w + x];
    }
  }
  return out;
}
