/**
 * What the page is given, shared by the server (src/serve) and the page (src/page): types and
 * names only, no code that needs Node or a browser.
 *
 * The event stream /events (text/event-stream) carries:
 *   - every run event (start, progress, epoch, diverged, interrupted, summary) as an unnamed
 *     event ("message") whose data is the same JSON text as the --json line of that event
 *     (progress events, which --json leaves out, as JSON.stringify makes them too); each event
 *     but progress has an id, "<run>.<n>", so a reconnecting page gets only what it missed;
 *   - `snapshot` events: the model at a measurement, its confusion matrix and mistakes;
 *   - one `end` event when the run is over and the server is about to stop.
 * The page's data script (data.js) sets window.BP_TRAIN_DATA: in live mode it only says so;
 * for a saved model (`bp-train serve`, `bp-train export-page`) it holds the snapshot itself.
 */

/** The global the page's data script sets. */
export const PAGE_DATA_GLOBAL = 'BP_TRAIN_DATA';

/** SSE event names besides the run events (which are unnamed). */
export const SNAPSHOT_EVENT = 'snapshot';
export const END_EVENT = 'end';

/** One misclassified test image. */
export interface Mistake {
  /** Its index in the test split. */
  index: number;
  label: number;
  predicted: number;
  /** rows x cols bytes (ink bright, as in MNIST), base64. */
  pixels: string;
}

/** A model as measured, with what the page shows about it. */
export interface Snapshot {
  /** The epoch and iteration of the measurement (a saved model: its last epoch and its iteration). */
  epoch: number;
  iteration: number;
  /** The model file's bytes (safetensors, the optimizer's state left out), base64. */
  model: string;
  /** The test split it was measured on. */
  test: {
    source: string;
    count: number;
    correct: number;
    accuracy: number;
    rows: number;
    cols: number;
    /** The classes' names, for a dataset whose classes are not the digits (fashion-mnist: 'T-shirt/top', ...). */
    classNames?: readonly string[];
  };
  /** confusion[t][p]: test images of true class t predicted as p. */
  confusion: number[][];
  /** The first misclassified test images (in split order), at most MAX_MISTAKES. */
  mistakes: Mistake[];
}

/** As many misclassified digits as `bp-train eval --plot` draws. */
export const MAX_MISTAKES = 40;

export type PageData =
  | { mode: 'live' }
  | { mode: 'model'; /** the model file's name, as given */ file: string; snapshot: Snapshot };
