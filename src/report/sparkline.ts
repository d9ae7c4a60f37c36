/**
 * A one-line chart of a series with the eight block characters: "▁▂▃▄▅▆▇█", lowest to
 * highest value of the series (a flat series is drawn at mid-height). Non-finite values are
 * drawn as a space.
 */
const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], maxWidth = 60): string {
  const shown = values.length > maxWidth ? downsample(values, maxWidth) : values;
  const finite = shown.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return shown
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      if (hi === lo) return BARS[3];
      return BARS[Math.min(BARS.length - 1, Math.floor(((v - lo) / (hi - lo)) * BARS.length))];
    })
    .join('');
}

/** `width` points, each the last value of its share of the series (the state at that time). */
function downsample(values: readonly number[], width: number): number[] {
  return Array.from({ length: width }, (_, i) => values[Math.min(values.length - 1, Math.ceil(((i + 1) * values.length) / width) - 1)]);
}
