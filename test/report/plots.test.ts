/**
 * The eval chart's colour legend (src/report/plots.ts), read from the SVG that Vega renders:
 * on the symlog scale vega's own ticks (0, 200, 400, ... 1,000) bunched up at the dark end,
 * so their labels touched and one was hidden. Every label must now be shown, apart from the others.
 */
import { describe, expect, it } from 'vitest';
import { evalChart, legendValues, renderSvg } from '../../src/report/plots.js';

interface Label {
  text: string;
  x: number;
  y: number;
  anchor: string;
  fontSize: number;
  opacity: number;
}

/** The legend's tick labels, with their position (translate), anchor, font size and opacity. */
function legendLabels(svg: string): Label[] {
  const group = /<g class="mark-text role-legend-label"[^>]*>(.*?)<\/g>/s.exec(svg);
  expect(group, 'a legend-label group in the SVG').not.toBeNull();
  return [...group![1].matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)].map(([, attrs, text]) => {
    const attr = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(attrs)?.[1] ?? '';
    const [x, y] = /translate\(([^,]+),([^)]+)\)/.exec(attrs)!.slice(1).map(Number);
    return { text, x, y, anchor: attr('text-anchor'), fontSize: parseFloat(attr('font-size')), opacity: Number(attr('opacity') || '1') };
  });
}

/** A generous box around a label: 0.65 em per character wide, 1 em high, baseline at y. */
function box(l: Label): { x0: number; x1: number; y0: number; y1: number } {
  const w = 0.65 * l.fontSize * l.text.length;
  const x0 = l.anchor === 'middle' ? l.x - w / 2 : l.anchor === 'end' ? l.x - w : l.x;
  return { x0, x1: x0 + w, y0: l.y - l.fontSize, y1: l.y };
}

/** A confusion matrix like a trained model's on MNIST: about 1,000 per class on the diagonal, a few off it. */
function confusion(): number[][] {
  return Array.from({ length: 10 }, (_, t) => Array.from({ length: 10 }, (_, p) => (t === p ? 900 + 25 * t : (t * 7 + p * 3) % 50)));
}

describe('evalChart legend', () => {
  it('shows every label, none overlapping another', async () => {
    const labels = legendLabels(await renderSvg(evalChart(confusion(), [], 'test')));
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(labels.filter((l) => l.opacity === 0).map((l) => l.text), 'labels hidden by vega for overlapping').toEqual([]);
    const GAP = 4; // pixels between two labels, at least
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [box(labels[i]), box(labels[j])];
        const apart = a.x1 + GAP <= b.x0 || b.x1 + GAP <= a.x0 || a.y1 + GAP <= b.y0 || b.y1 + GAP <= a.y0;
        expect(apart, `legend labels '${labels[i].text}' and '${labels[j].text}' overlap`).toBe(true);
      }
    }
  });

  it('labels 0 and the powers of ten up to the largest count', () => {
    expect(legendValues(1135)).toEqual([0, 10, 100, 1000]);
    expect(legendValues(10)).toEqual([0, 10]);
    expect(legendValues(3)).toEqual([0, 3]);
    expect(legendValues(1)).toEqual([0, 1]);
  });
});
