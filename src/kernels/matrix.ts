/**
 * Matrix: a row-major 2-D array over a Float32Array (training) or a Float64Array (the
 * gradient check). It holds numbers and shape, nothing else: all arithmetic lives in the
 * kernels, so that a fast backend can replace it without touching this class.
 */
export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export class Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly data: FloatArray,
  ) {
    checkShape(rows, cols);
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new TypeError(`Matrix: data must be a Float32Array or a Float64Array, got ${data === null ? 'null' : ((data as object)?.constructor?.name ?? typeof data)}`);
    }
    if (data.length !== rows * cols) {
      throw new RangeError(`Matrix: ${rows} x ${cols} needs ${rows * cols} values, got ${data.length}`);
    }
  }

  /** @throws RangeError for a dtype other than 'float32' or 'float64' (checked at run time, for callers in plain JS). */
  static zeros(rows: number, cols: number, dtype: DType = 'float32'): Matrix {
    assertDType(dtype);
    checkShape(rows, cols); // before the array: new Float32Array(-2) would throw its own words
    const n = rows * cols;
    return new Matrix(rows, cols, dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  }

  /** From nested arrays, one inner array per row: `Matrix.fromArray([[1, 2], [3, 4]])`. */
  static fromArray(values: number[][], dtype: DType = 'float32'): Matrix {
    assertDType(dtype);
    const rows = values.length;
    const cols = rows === 0 ? 0 : values[0].length;
    const m = Matrix.zeros(rows, cols, dtype);
    values.forEach((row, i) => {
      if (row.length !== cols) {
        throw new RangeError(`Matrix.fromArray: row ${i} has ${row.length} values, row 0 has ${cols}`);
      }
      const j = row.findIndex((v) => typeof v !== 'number');
      if (j >= 0) throw new TypeError(`Matrix.fromArray: row ${i}, column ${j} is ${JSON.stringify(row[j])}, not a number`);
      m.data.set(row, i * cols);
    });
    return m;
  }

  get dtype(): DType {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }

  get size(): number {
    return this.data.length;
  }

  /** Element (i, j). @throws RangeError outside the matrix (not another row's element). */
  get(i: number, j: number): number {
    this.checkIndex('get', i, j);
    return this.data[i * this.cols + j];
  }

  /** Sets element (i, j). @throws RangeError outside the matrix. */
  set(i: number, j: number, value: number): void {
    this.checkIndex('set', i, j);
    this.data[i * this.cols + j] = value;
  }

  private checkIndex(what: string, i: number, j: number): void {
    if (!(Number.isInteger(i) && Number.isInteger(j) && i >= 0 && j >= 0 && i < this.rows && j < this.cols)) {
      throw new RangeError(`Matrix.${what}(${i}, ${j}${what === 'set' ? ', ...' : ''}): outside the ${this.rows} x ${this.cols} matrix`);
    }
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    }
    return out;
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** The first `rows` rows, sharing storage (no copy). */
  topRows(rows: number): Matrix {
    return rows === this.rows ? this : new Matrix(rows, this.cols, this.data.subarray(0, rows * this.cols));
  }
}

/** Throws a RangeError unless `dtype` is 'float32' or 'float64' (TypeScript cannot check callers in JS). */
function assertDType(dtype: unknown): asserts dtype is DType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    const shown = typeof dtype === 'string' ? `'${dtype}'` : String(dtype);
    throw new RangeError(`dtype must be 'float32' or 'float64', got ${shown}`);
  }
}

/** Throws unless two matrices have the given shapes; `what` names the operation. */
export function assertShape(what: string, m: Matrix, rows: number, cols: number): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new RangeError(`${what}: expected ${rows} x ${cols}, got ${m.rows} x ${m.cols}`);
  }
}

function checkShape(rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new RangeError(`Matrix: bad shape ${rows} x ${cols}`);
}
