// One call's per-row outcomes, kept columnar: a status byte per row, the error of each failed row,
// and the values — while every value is a float vector of one length and one type (every embedding
// call), they are copied into ONE Float32Array/Float64Array of rows × dim, so a held result costs
// its floats and nothing per row. Any other value (scalars, text, mixed lengths) falls back to one
// array slot per row. Shared by the memory store (which keeps it) and the Redis store (which builds
// it on read); the answer's Arrow table is assembled from it by core/assemble.ts.
import type { BatchOutput, RowError } from '../core/types';

/**
 * A failed row's error as the stores keep it: the core's `{ code, message }`, opaque to them (never
 * parsed); the answer's `status` column carries its message, `error_code` its code.
 */
export type { RowError };

/** The status of a row that has no outcome yet (a call read before it finished). */
export const PENDING_STATUS: RowError = { code: 'PENDING', message: 'pending' };

const PENDING = 0;
const OK = 1;
/** An ok row whose value is null/undefined: no slot in the packed buffer is meaningful. */
const OK_NULL = 2;
const FAILED = 3;

type Packed = Float32Array | Float64Array;

/**
 * The largest packed buffer allocated up front (rows × dim of the first vector): a handler's output
 * length is outside input, so a huge vector falls back to per-row slots (memory it already holds)
 * instead of one allocation sized from it.
 */
export const MAX_PACKED_BYTES = 512 * 1024 ** 2;

/** What a value costs held in a JS array (approximate; sizes the result byte budget). */
function approxBytes(v: unknown, depth = 0): number {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return 16;
  if (typeof v === 'string') return 32 + 2 * v.length;
  if (ArrayBuffer.isView(v)) return 96 + v.byteLength;
  if (depth > 8) return 64;
  if (Array.isArray(v)) {
    let n = 32 + 8 * v.length;
    for (const x of v) n += approxBytes(x, depth + 1);
    return n;
  }
  if (typeof v === 'object') {
    let n = 64;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) n += 32 + 2 * k.length + approxBytes(x, depth + 1);
    return n;
  }
  return 32;
}

function packable(v: unknown): v is Packed {
  return (v instanceof Float32Array && v.constructor === Float32Array) || (v instanceof Float64Array && v.constructor === Float64Array);
}

export class CallResults {
  private readonly state: Uint8Array;
  private readonly errors = new Map<number, RowError>();
  private errorBytes = 0;
  /** Row i's vector is packed[i*dim, (i+1)*dim) while every ok value so far fits. */
  private packed: Packed | undefined;
  private dim = 0;
  /** One slot per row once a value did not fit the packed buffer. */
  private loose: unknown[] | undefined;
  private looseBytes = 0;

  constructor(readonly rows: number) {
    this.state = new Uint8Array(rows);
  }

  /** Whether row `i` has an outcome (its first one wins: callers skip rows that have one). */
  has(i: number): boolean {
    return this.state[i] !== PENDING;
  }

  setOk(i: number, value: unknown): void {
    if (value === null || value === undefined) {
      this.state[i] = OK_NULL;
      return;
    }
    if (!this.loose && packable(value) && (this.packed || this.rows * value.byteLength <= MAX_PACKED_BYTES)) {
      if (!this.packed) {
        this.dim = value.length;
        this.packed = value instanceof Float32Array ? new Float32Array(this.rows * this.dim) : new Float64Array(this.rows * this.dim);
      }
      if (value.length === this.dim && value.constructor === this.packed.constructor) {
        this.packed.set(value, i * this.dim);
        this.state[i] = OK;
        return;
      }
    }
    this.unpack()[i] = value;
    this.looseBytes += approxBytes(value);
    this.state[i] = OK;
  }

  /**
   * Rows [first, first + count) get the consecutive `dim`-long vectors of `floats`, every one of
   * them without an outcome yet (else false: nothing is set, the caller goes row by row). A call's
   * whole result in one buffer of exactly its floats (a worker's batch of this one call) is kept as
   * it is, with no copy; a run into an existing packed buffer is one copy.
   */
  setOkRun(first: number, count: number, floats: Packed, dim: number): boolean {
    if (this.loose || count <= 0 || dim <= 0 || floats.length !== count * dim || first < 0 || first + count > this.rows) return false;
    for (let i = first; i < first + count; i++) if (this.state[i] !== PENDING) return false;
    if (!this.packed) {
      if (this.rows * floats.BYTES_PER_ELEMENT * dim > MAX_PACKED_BYTES) return false;
      const whole = count === this.rows && floats.byteOffset === 0 && floats.buffer instanceof ArrayBuffer && floats.byteLength === floats.buffer.byteLength;
      this.dim = dim;
      this.packed = whole ? floats : floats instanceof Float32Array ? new Float32Array(this.rows * dim) : new Float64Array(this.rows * dim);
      if (!whole) this.packed.set(floats, first * dim);
    } else {
      if (dim !== this.dim || floats.constructor !== this.packed.constructor) return false;
      this.packed.set(floats, first * dim);
    }
    this.state.fill(OK, first, first + count);
    return true;
  }

  setFailed(i: number, error: RowError): void {
    this.state[i] = FAILED;
    this.errors.set(i, error);
    this.errorBytes += approxBytes(error.code) + approxBytes(error.message) + 64;
  }

  /** 'ok', the row's error, or null while it has no outcome. */
  status(i: number): 'ok' | RowError | null {
    const s = this.state[i];
    if (s === PENDING) return null;
    return s === FAILED ? (this.errors.get(i) as RowError) : 'ok';
  }

  /** Row i's value: a view into the packed buffer for vectors, null for failed/pending rows. */
  value(i: number): unknown {
    if (this.state[i] !== OK) return null;
    if (this.loose) return this.loose[i] ?? null;
    return this.packed ? this.packed.subarray(i * this.dim, (i + 1) * this.dim) : null;
  }

  /**
   * The packed buffer itself when every row is ok with a vector (the common embedding answer): row
   * i is floats[i*dim, (i+1)*dim). The answer is then written from it with no per-row work.
   */
  allOkVectors(): { floats: Packed; dim: number } | undefined {
    if (this.loose || !this.packed || this.rows === 0) return undefined;
    for (let i = 0; i < this.rows; i++) if (this.state[i] !== OK) return undefined;
    return { floats: this.packed, dim: this.dim };
  }

  /** True while every ok value is a row of the one packed float buffer (vectors of one length and type). */
  get packedVectors(): boolean {
    return this.loose === undefined;
  }

  /** Bytes this result holds (the result byte budget counts these). */
  get byteLength(): number {
    return this.state.byteLength + (this.packed?.byteLength ?? 0) + (this.loose ? 8 * this.rows + this.looseBytes : 0) + this.errorBytes;
  }

  /**
   * The rows as consecutive parts of at most `partRows` rows, for core/assemble.ts: values are
   * views into the packed buffer (no copy), a failed row carries its error, a row with no outcome
   * yet the status 'pending'.
   */
  *parts(partRows = 16_384): Iterable<BatchOutput<unknown>> {
    for (let at = 0; at < this.rows; at += partRows) {
      const n = Math.min(partRows, this.rows - at);
      const values = new Array<unknown>(n);
      let errors: (RowError | null)[] | undefined;
      for (let j = 0; j < n; j++) {
        const i = at + j;
        const s = this.state[i];
        values[j] = s === OK ? this.value(i) : null;
        if (s === FAILED || s === PENDING) {
          errors ??= new Array<RowError | null>(n).fill(null);
          errors[j] = s === PENDING ? PENDING_STATUS : (this.errors.get(i) as RowError);
        }
      }
      yield errors ? { values, errors } : { values };
    }
  }

  /** Every row's value and status as plain arrays (tests and small callers). */
  toArrays(): { values: unknown[]; statuses: ('ok' | RowError | null)[] } {
    const values = new Array<unknown>(this.rows);
    const statuses = new Array<'ok' | RowError | null>(this.rows);
    for (let i = 0; i < this.rows; i++) {
      values[i] = this.value(i);
      statuses[i] = this.status(i);
    }
    return { values, statuses };
  }

  /** Leaves the packed layout: every ok row's vector is copied to its own slot. */
  private unpack(): unknown[] {
    if (this.loose) return this.loose;
    const loose = new Array<unknown>(this.rows).fill(null);
    if (this.packed) {
      for (let i = 0; i < this.rows; i++) {
        if (this.state[i] !== OK) continue;
        loose[i] = this.packed.slice(i * this.dim, (i + 1) * this.dim);
        this.looseBytes += approxBytes(loose[i]);
      }
      this.packed = undefined;
    }
    return (this.loose = loose);
  }
}
