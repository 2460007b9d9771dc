// The columns the queue's hot path sends as Arrow IPC: text in (utf8), vectors out
// (list<float32|float64>) plus a utf8 status. Plain typed arrays laid out exactly as Arrow lays
// them out, so writing a stream is a few copies and reading one is a few views.

export interface Utf8Column {
  type: 'utf8';
  name: string;
  length: number;
  nullCount: number;
  /** Arrow validity bitmap (bit i = row i is not null); null when nullCount is 0. */
  validity: Uint8Array | null;
  /** length + 1 offsets into `data`; offsets[0] = 0 but in a view of a slice (writeIpcStream rebases it). */
  offsets: Int32Array;
  data: Uint8Array;
}

export interface FloatListColumn {
  type: 'list<float32>' | 'list<float64>';
  name: string;
  length: number;
  nullCount: number;
  validity: Uint8Array | null;
  /** length + 1 offsets into `values`, offsets[0] = 0. */
  offsets: Int32Array;
  values: Float32Array | Float64Array;
}

export type WireColumn = Utf8Column | FloatListColumn;

/** A decoded single-batch stream: its row count and columns in schema order. */
export interface WireBatch {
  rows: number;
  columns: WireColumn[];
}

const encoder = new TextEncoder();
// ignoreBOM: a text that starts with U+FEFF keeps it (a default TextDecoder drops it, so the
// model would see a different text than the one sent).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function isValid(validity: Uint8Array | null, i: number): boolean {
  return validity === null || (validity[i >> 3] & (1 << (i & 7))) !== 0;
}

/** A utf8 column from JS strings (null and undefined are nulls). */
export function utf8Column(name: string, values: ReadonlyArray<string | null | undefined>): Utf8Column {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let validity: Uint8Array | null = null;
  let nullCount = 0;
  let ascii = true;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (!validity) validity = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      validity[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
    } else if (ascii) {
      for (let k = 0; k < v.length; k++) {
        if (v.charCodeAt(k) > 0x7f) {
          ascii = false;
          break;
        }
      }
    }
  }
  if (ascii) {
    // One encode for the whole column (in ASCII a character is a byte): per-row encodes each
    // cross into the runtime, which costs tens of microseconds apiece on a cold path.
    let joined = '';
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) joined += v;
      offsets[i + 1] = joined.length;
    }
    return { type: 'utf8', name, length: n, nullCount, validity, offsets, data: encoder.encode(joined) };
  }
  const bytes: Uint8Array[] = new Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    bytes[i] = v === null || v === undefined ? new Uint8Array(0) : encoder.encode(v);
    total += bytes[i].length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < n; i++) data.set(bytes[i], offsets[i]);
  return { type: 'utf8', name, length: n, nullCount, validity, offsets, data };
}

/** Row i of a utf8 column as a string (null when null). */
export function utf8Value(col: Utf8Column, i: number): string | null {
  if (!isValid(col.validity, i)) return null;
  return decoder.decode(col.data.subarray(col.offsets[i], col.offsets[i + 1]));
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

/** Every row of a utf8 column as strings. */
export function utf8Values(col: Utf8Column): (string | null)[] {
  const out = new Array<string | null>(col.length);
  const { offsets, data } = col;
  const used = data.subarray(offsets[0], offsets[col.length]);
  if (isAscii(used)) {
    // One decode for the whole column: in ASCII a byte offset is a character offset.
    const all = decoder.decode(used);
    const base = offsets[0];
    for (let i = 0; i < col.length; i++) out[i] = isValid(col.validity, i) ? all.slice(offsets[i] - base, offsets[i + 1] - base) : null;
    return out;
  }
  for (let i = 0; i < col.length; i++) out[i] = utf8Value(col, i);
  return out;
}

/** Row i of a float list column: a view into its values (no copy), or null. */
export function listValue(col: FloatListColumn, i: number): Float32Array | Float64Array | null {
  if (!isValid(col.validity, i)) return null;
  return col.values.subarray(col.offsets[i], col.offsets[i + 1]);
}

/** A typed array of numbers (not BigInt, not a DataView) or an array of numbers. */
function isNumberVector(v: unknown): v is ArrayLike<number> {
  if (v instanceof Float32Array || v instanceof Float64Array) return true;
  if (ArrayBuffer.isView(v)) return !(v instanceof DataView || v instanceof BigInt64Array || v instanceof BigUint64Array);
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'number') return false;
  return true;
}

/**
 * A list<float32|float64> column from per-row vectors; a row that is null, undefined or not a
 * number array is null (and reported through `notVector`, so the caller can give it a status).
 */
export function floatListColumn(name: string, rows: ReadonlyArray<unknown>, f64: boolean, notVector?: (i: number, got: unknown) => void): FloatListColumn {
  const n = rows.length;
  const offsets = new Int32Array(n + 1);
  let validity: Uint8Array | null = null;
  let nullCount = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = rows[i];
    const ok = isNumberVector(v);
    if (!ok) {
      if (v !== null && v !== undefined) notVector?.(i, v);
      if (!validity) validity = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
      validity[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
    } else {
      total += v.length;
    }
    offsets[i + 1] = total;
  }
  const shared = nullCount === 0 ? adjacentViews(rows, total, f64) : undefined;
  const values = shared ?? (f64 ? new Float64Array(total) : new Float32Array(total));
  if (!shared) {
    for (let i = 0; i < n; i++) {
      if (offsets[i + 1] > offsets[i]) values.set(rows[i] as ArrayLike<number>, offsets[i]);
    }
  }
  return { type: f64 ? 'list<float64>' : 'list<float32>', name, length: n, nullCount, validity, offsets, values };
}

/**
 * One view over rows that already lie end to end in one buffer, in row order (a batch's vectors as
 * the worker pool hands them back), so the column needs no copy; undefined when they do not.
 */
function adjacentViews(rows: ReadonlyArray<unknown>, total: number, f64: boolean): Float32Array | Float64Array | undefined {
  const Kind = f64 ? Float64Array : Float32Array;
  const first = rows[0];
  if (rows.length === 0 || !(first instanceof Kind)) return undefined;
  let end = first.byteOffset;
  for (const v of rows) {
    if (!(v instanceof Kind) || v.buffer !== first.buffer || v.byteOffset !== end) return undefined;
    end += v.byteLength;
  }
  return new Kind(first.buffer as ArrayBuffer, first.byteOffset, total);
}
