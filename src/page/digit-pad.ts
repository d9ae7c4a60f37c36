/**
 * The pad to draw a digit on: pointer strokes (mouse, touch, pen) in black on white, framed
 * the way `bp-train predict --invert` frames a PNG of the same drawing (data/frame-digit.ts:
 * the same code), shown as the network sees it, and classified by the page's network
 * (network/multi-layer-net.ts on the TypeScript kernels) with the probabilities of
 * network/probabilities.ts, as predict prints them.
 */
import { FIELD, frameDigit, inkOfRgba } from '../data/frame-digit.js';
import { Matrix } from '../kernels/matrix.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { probabilities } from '../network/probabilities.js';
import { element } from './dom.js';

/** The pen's width in canvas pixels: a 280-pixel digit drawn with it looks like an MNIST one (strokes ~1/10 of its height). */
const PEN_WIDTH = 20;

export interface PadElements {
  pad: HTMLCanvasElement;
  framed: HTMLCanvasElement;
  clear: HTMLButtonElement;
  guess: HTMLElement;
  list: HTMLOListElement;
  prediction: HTMLElement;
}

export class DigitPad {
  private net: MultiLayerNet | null = null;
  private names: readonly string[] | undefined;
  private readonly context: CanvasRenderingContext2D;
  private drawing: number | null = null;
  private last: { x: number; y: number } | null = null;
  private scheduled = false;
  private inked = false;

  constructor(private readonly ui: PadElements) {
    const context = ui.pad.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('no 2d canvas');
    this.context = context;
    this.wipe();
    ui.pad.addEventListener('pointerdown', (e) => this.down(e));
    ui.pad.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) ui.pad.addEventListener(type, (e) => this.up(e));
    ui.clear.addEventListener('click', () => {
      this.wipe();
      this.schedule();
    });
    this.render(null, null);
  }

  /** The network to classify with (a newer one as the run goes on); null: none yet. */
  setModel(net: MultiLayerNet | null, classNames?: readonly string[]): void {
    this.net = net !== null && net.spec.inputSize === FIELD * FIELD ? net : null;
    this.names = classNames;
    this.schedule();
  }

  private wipe(): void {
    this.context.fillStyle = '#ffffff';
    this.context.fillRect(0, 0, this.ui.pad.width, this.ui.pad.height);
    this.inked = false;
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const box = this.ui.pad.getBoundingClientRect();
    return { x: ((e.clientX - box.left) * this.ui.pad.width) / box.width, y: ((e.clientY - box.top) * this.ui.pad.height) / box.height };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    e.preventDefault();
    this.ui.pad.setPointerCapture(e.pointerId);
    this.drawing = e.pointerId;
    this.last = this.at(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (this.drawing !== e.pointerId || this.last === null) return;
    e.preventDefault();
    const points = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const p of points.length > 0 ? points : [e]) {
      const next = this.at(p);
      this.segment(this.last, next);
      this.last = next;
    }
  }

  private up(e: PointerEvent): void {
    if (this.drawing !== e.pointerId) return;
    this.drawing = null;
    this.last = null;
    this.schedule();
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const c = this.context;
    c.strokeStyle = '#000000';
    c.lineWidth = PEN_WIDTH;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x, to.y);
    c.stroke();
    this.inked = true;
    this.schedule();
  }

  /** Classifies at the next frame (at most once a frame, however many strokes came). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.update();
    });
  }

  private update(): void {
    const { width, height } = this.ui.pad;
    const pixels = this.inked ? frameDigit(inkOfRgba(this.context.getImageData(0, 0, width, height).data, width, height, true), width, height) : null;
    let p: number[] | null = null;
    if (pixels !== null && this.net !== null) {
      const x = Matrix.zeros(1, FIELD * FIELD);
      pixels.forEach((v, j) => x.set(0, j, v / 255));
      const scores = this.net.predict(x);
      p = probabilities(scores.data.subarray(0, scores.cols));
    }
    this.render(pixels, p);
  }

  private render(pixels: Uint8Array | null, p: number[] | null): void {
    const framed = this.ui.framed.getContext('2d');
    if (framed !== null) {
      const image = framed.createImageData(FIELD, FIELD);
      for (let i = 0; i < FIELD * FIELD; i++) {
        const v = pixels === null ? 0 : pixels[i];
        image.data.set([v, v, v, 255], 4 * i);
      }
      framed.putImageData(image, 0, 0);
    }
    const classes = p?.length ?? this.net?.spec.outputSize ?? 10;
    const best = p === null ? -1 : p.indexOf(Math.max(...p));
    this.ui.guess.textContent = best < 0 ? '?' : this.label(best);
    this.ui.prediction.dataset.class = best < 0 ? '' : String(best);
    this.ui.prediction.dataset.state = this.net === null ? 'no-model' : pixels === null ? 'blank' : 'predicted';
    const items = Array.from({ length: classes }, (_, c) => {
      const li = element('li', c === best ? 'top' : undefined);
      const value = p === null ? 0 : p[c];
      li.dataset.class = String(c);
      li.dataset.p = p === null ? '' : String(value);
      const bar = element('span', 'bar');
      bar.style.width = `${(100 * value).toFixed(2)}%`;
      const track = element('span', 'track');
      track.append(bar);
      li.append(element('span', 'name', this.label(c)), track, element('span', 'value', p === null ? '-' : value.toFixed(3)));
      return li;
    });
    this.ui.list.replaceChildren(...items);
  }

  private label(c: number): string {
    return this.names?.[c] ?? String(c);
  }
}
