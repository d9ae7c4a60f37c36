/**
 * A place on the page for one chart: a Vega-Lite specification (the project's own, from
 * report/plots.ts, the ones --plot writes as SVG) compiled by vega-lite and rendered by a vega
 * View as SVG. Rendering is asynchronous; when specs come faster than they render, only the
 * latest is drawn. The new view replaces the old one when it is ready, so nothing flickers.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export class ChartSlot<T = undefined> {
  private view: View | null = null;
  private next: { spec: TopLevelSpec; tag: T } | null = null;
  private rendering = false;

  /** `rendered` is called after each chart is on the page, with the tag it was shown with. */
  constructor(
    private readonly container: HTMLElement,
    private readonly rendered: (tag: T) => void = () => {},
  ) {}

  show(spec: TopLevelSpec, tag: T): void {
    this.next = { spec, tag };
    if (!this.rendering) void this.render();
  }

  private async render(): Promise<void> {
    this.rendering = true;
    try {
      while (this.next !== null) {
        const { spec, tag } = this.next;
        this.next = null;
        const holder = document.createElement('div');
        const view = new View(parse(compile(spec).spec), { renderer: 'svg', container: holder, hover: false });
        try {
          await view.runAsync();
        } catch (err) {
          view.finalize();
          this.container.textContent = `the chart could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
          continue;
        }
        this.container.replaceChildren(holder);
        this.view?.finalize();
        this.view = view;
        this.rendered(tag);
      }
    } finally {
      this.rendering = false;
    }
  }
}
