/**
 * The page (built by vite.config.ts into build/page/page.js): what a run or a saved model
 * looks like inside. data.js says which (serve/protocol.ts PageData): a live run, followed over
 * its event stream, or a saved model given in full. Both show the curves, the first layer's
 * weights, the confusion matrix and mistakes and the digit pad; a live run also its progress
 * and, at the end, its summary.
 */
import type { EpochRecord, ModelMeta } from '../model/model-meta.js';
import type { MultiLayerNet } from '../network/multi-layer-net.js';
import { evalChart, trainingChart } from '../report/plots.js';
import { PAGE_DATA_GLOBAL, type PageData, type Snapshot } from '../serve/protocol.js';
import { networkText, optimizerText } from '../train/names.js';
import type { Summary } from '../train/summary.js';
import { ChartSlot } from './chart-slot.js';
import { DigitPad } from './digit-pad.js';
import { byId, element, fixed4, seconds, thousands } from './dom.js';
import { watchLiveRun } from './live-stream.js';
import { RunState, type RunEvent } from './run-state.js';
import { base64Bytes, snapshotModel } from './snapshot-model.js';
import { drawWeights } from './weights-view.js';

type StatusKind = 'live' | 'done' | 'problem' | 'ended' | 'info';

class Page {
  private readonly run = new RunState();
  /** Tagged with the number of epochs drawn. */
  private readonly curves: ChartSlot<number>;
  private readonly confusion: ChartSlot;
  private readonly pad: DigitPad;
  private meta: ModelMeta | null = null;
  private net: MultiLayerNet | null = null;
  private snapshotCount = 0;
  private runEventCount = 0;
  private ended = false;

  constructor() {
    const curvesBox = byId('curves');
    this.curves = new ChartSlot<number>(curvesBox, (epochs) => {
      curvesBox.dataset.epochs = String(epochs);
    });
    this.confusion = new ChartSlot(byId('confusion'));
    this.pad = new DigitPad({
      pad: byId<HTMLCanvasElement>('pad'),
      framed: byId<HTMLCanvasElement>('framed'),
      clear: byId<HTMLButtonElement>('clear'),
      guess: byId('guess'),
      list: byId<HTMLOListElement>('probabilities'),
      prediction: byId('prediction'),
    });
  }

  /** A saved model: everything is in its snapshot. */
  showModel(file: string, snapshot: Snapshot): void {
    byId('progress-section').hidden = true;
    this.snapshot(snapshot, file);
    const meta = this.meta;
    if (meta === null) return;
    this.status(`saved model ${file}`, 'done');
    byId('subtitle').textContent = `${this.netText()}, ${optimizerText(meta.optimizer.name, meta.optimizer.hyper)}, ${thousands(meta.iteration)} iterations on ${meta.data.source}`;
    this.drawCurves(meta.history, `bp-train: ${file}, ${this.netText()} on ${meta.data.source}`);
    byId('summary-title').textContent = 'The model';
    const last = meta.accuracy;
    this.summaryList([
      ['file', file],
      ['network', this.netText()],
      ['optimizer', optimizerText(meta.optimizer.name, meta.optimizer.hyper)],
      ['trained', `${thousands(meta.iteration)} iterations of ${thousands(meta.training.batchSize)} on ${meta.data.source}, seed ${meta.training.seed}, backend ${meta.training.backend}`],
      ['epochs', String(meta.history.length)],
      ['last measured', last === null ? '-' : `train ${fixed4(last.train)}, test ${fixed4(last.test)} at iteration ${thousands(last.iteration)}`],
      ['here', `test accuracy ${fixed4(snapshot.test.accuracy)} (${thousands(snapshot.test.correct)} of ${thousands(snapshot.test.count)} ${snapshot.test.source} test images)`],
    ]);
  }

  /** A live run: its event stream. */
  watch(): void {
    this.status('connecting to the run…', 'info');
    watchLiveRun('events', {
      event: (e) => this.event(e),
      snapshot: (s) => this.snapshot(s, 'the live model'),
      end: () => {
        this.ended = true;
        document.body.dataset.ended = 'true';
        this.status(`${this.runStatus().text}; the run is over and its server has stopped (this page keeps what it received)`, 'ended');
      },
      connection: (state) => {
        if (this.ended) return;
        if (state === 'open') this.status(this.runStatus().text, this.runStatus().kind);
        else this.status(state === 'reconnecting' ? 'connection lost: reconnecting…' : 'disconnected from the run', 'problem');
      },
    });
  }

  private event(e: RunEvent): void {
    this.run.apply(e);
    this.runEventCount++;
    document.body.dataset.runEvents = String(this.runEventCount);
    const { start } = this.run;
    if (e.event === 'start' && start !== null) {
      byId('subtitle').textContent = `${start.network}, ${start.optimizer}, batch ${thousands(start.batchSize)}, on ${start.source} (${thousands(start.trainSize)} train / ${thousands(start.testSize)} test), seed ${start.seed}, backend ${start.backend}`;
    }
    this.drawProgress();
    if (e.event === 'epoch' || e.event === 'start') this.drawLiveCurves();
    if (e.event === 'summary') this.drawSummary();
    const { text, kind } = this.runStatus();
    this.status(text, kind);
  }

  private snapshot(s: Snapshot, name: string): void {
    const model = snapshotModel(s, name);
    this.meta = model.meta;
    this.net = model.net;
    this.snapshotCount++;
    document.body.dataset.snapshots = String(this.snapshotCount);
    document.body.dataset.snapshotEpoch = String(s.epoch);
    const { rows, cols, classNames } = s.test;
    drawWeights(byId('weights'), model.net, rows, cols);
    this.pad.setModel(model.net, classNames);
    const pixels = rows * cols;
    const wrong = s.mistakes.map((m) => ({ pixels: base64Bytes(m.pixels).subarray(0, pixels), rows, cols, label: m.label, predicted: m.predicted }));
    const title = `epoch ${s.epoch}, iteration ${thousands(s.iteration)}: test accuracy ${fixed4(s.test.accuracy)} (${thousands(s.test.correct)} of ${thousands(s.test.count)} ${s.test.source} test images)`;
    this.confusion.show(evalChart(s.confusion, wrong, title, classNames), undefined);
    if (this.run.start !== null && this.run.start.startIteration > 0) this.drawLiveCurves(); // a resumed run: its earlier epochs are in the model
  }

  private drawLiveCurves(): void {
    const { start } = this.run;
    if (start === null) return;
    let history = this.run.history();
    if (start.startIteration > 0 && this.meta !== null) {
      history = [...this.meta.history.filter((r) => r.iteration <= start.startIteration), ...history];
    }
    this.drawCurves(history, `bp-train: ${start.network} on ${start.source}`);
  }

  private drawCurves(history: readonly EpochRecord[], title: string): void {
    if (history.length === 0) return;
    this.curves.show(trainingChart(history, title), history.length);
  }

  private drawProgress(): void {
    const { start, progress } = this.run;
    if (start === null) return;
    const total = this.run.totalEpochs();
    const iteration = this.run.iteration;
    const epoch = Math.min(total, Math.max(1, Math.ceil(iteration / start.itersPerEpoch) || 1));
    const last = [...this.run.epochs.values()].at(-1);
    const inEpoch = progress !== null ? progress.epochIteration : iteration > 0 && iteration % start.itersPerEpoch === 0 ? start.itersPerEpoch : iteration % start.itersPerEpoch;
    const parts = [`epoch ${progress?.epoch ?? epoch} of ${total}`, `iteration ${thousands(iteration)} of ${thousands(start.iterations)}`];
    if (progress !== null) parts.push(`loss ${fixed4(progress.loss)} (this epoch so far)`);
    if (last !== undefined) {
      const val = (last as { valAcc?: number | null }).valAcc;
      parts.push(`last epoch: loss ${fixed4(last.loss)}, train ${fixed4(last.trainAcc)}${val === undefined ? '' : `, validation ${fixed4(val)}`}, test ${fixed4(last.testAcc)}`);
    }
    byId('progress-text').textContent = parts.join(' · ');
    const epochBar = byId<HTMLProgressElement>('epoch-progress');
    epochBar.max = start.itersPerEpoch;
    epochBar.value = inEpoch;
    const runBar = byId<HTMLProgressElement>('run-progress');
    runBar.max = Math.max(1, start.iterations - start.startIteration);
    runBar.value = iteration - start.startIteration;
  }

  private drawSummary(): void {
    const s = this.run.summary;
    if (s === null) return;
    this.summaryList([
      ['status', s.status],
      ['iterations', thousands(s.iterations)],
      ['epochs measured', String(s.epochs)],
      ['test accuracy', `${fixed4(s.testAcc)} (best ${fixed4(s.bestTestAcc)} at epoch ${s.bestEpoch})`],
      ['train accuracy', fixed4(s.trainAcc)],
      ['mean loss', fixed4(s.loss)],
      ['network', s.network],
      ['time', `wall ${seconds(s.wallMs)} (training ${seconds(s.trainMs)}, evaluation ${seconds(s.evalMs)}, loading ${seconds(s.loadMs)})`],
      ['speed', `${thousands(s.examplesPerSec)} examples/s, backend ${s.backend}, ${s.threads} thread${s.threads === 1 ? '' : 's'}`],
      ...s.gates.map((g): [string, string] => [g.option, `${g.passed ? 'passed' : 'FAILED'}: ${fixed4(g.value)} against ${g.bar}`]),
    ]);
    byId('summary-section').dataset.arrived = 'true';
  }

  private summaryList(rows: [string, string][]): void {
    byId('summary').replaceChildren(...rows.flatMap(([k, v]) => [element('dt', undefined, k), element('dd', undefined, v)]));
  }

  private runStatus(): { text: string; kind: StatusKind } {
    const { start, summary, stopped } = this.run;
    if (summary !== null) {
      const kind: StatusKind = summary.status === 'ok' ? 'done' : 'problem';
      const what: Record<Summary['status'], string> = {
        ok: 'done',
        'gate-failed': 'done, but a gate failed',
        diverged: 'diverged',
        interrupted: 'interrupted',
        'write-failed': 'a file could not be written',
      };
      return { text: `${what[summary.status]}: ${thousands(summary.iterations)} iterations, test accuracy ${fixed4(summary.testAcc)}`, kind };
    }
    if (stopped !== null) return { text: `${stopped.why} at iteration ${thousands(stopped.iteration)}`, kind: 'problem' };
    if (start === null) return { text: 'connected: waiting for the run to start', kind: 'info' };
    const epoch = this.run.progress?.epoch ?? Math.max(1, Math.ceil(this.run.iteration / start.itersPerEpoch));
    return { text: `training: epoch ${Math.min(epoch, this.run.totalEpochs())} of ${this.run.totalEpochs()}`, kind: 'live' };
  }

  private status(text: string, kind: StatusKind): void {
    const e = byId('status');
    e.textContent = text;
    e.className = `status ${kind}`;
  }

  private netText(): string {
    return this.net === null ? '' : networkText(this.net.spec);
  }
}

const data = (window as unknown as Record<string, PageData | undefined>)[PAGE_DATA_GLOBAL] ?? { mode: 'live' };
const page = new Page();
if (data.mode === 'model') page.showModel(data.file, data.snapshot);
else page.watch();
