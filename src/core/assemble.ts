// Ordered reassembly: per-chunk outputs (in chunk order) → one Arrow Table with `result` (the
// requested type), `status` ('ok' or the error message) and `error_code` (the row error's code,
// null for ok rows). Buffers are built directly with makeData
// (one typed child array + offsets per record batch), never through nested JS arrays, so 100k rows
// × 512-d is a straight memcpy per row.
import {
  Bool, DataType, Field, Float32, Float64, RecordBatch, Schema, Struct, Table, Utf8, makeData,
  type Data,
} from 'apache-arrow';
import { outputKind, type OutputKind } from './output-type';
import { ROW_ERROR_CODE } from './row-error';
import { ROW_OK, type BatchOutput } from './types';

/** Rows per output record batch: big enough for fast columnar work, small enough to stream. */
const DEFAULT_BATCH_ROWS = 16_384;

/** The column of a failed row's error code (null for ok rows), next to `status`. */
export const ERROR_CODE_COLUMN = 'error_code';

function resultSchema(outputType: DataType): Schema {
  return new Schema([
    new Field('result', outputType, true),
    new Field('status', new Utf8(), false),
    new Field(ERROR_CODE_COLUMN, new Utf8(), true),
  ]);
}

/** The empty result: right schema, zero rows. */
export function emptyResultTable(outputType: DataType): Table {
  outputKind(outputType);
  return new Table(resultSchema(outputType));
}

/**
 * Concatenates `parts` (already in input-row order) into a Table. Rows whose `errors[i]` is set get
 * a null result, the error's message as status and its code as error_code (a plain text: ROW_ERROR). Values must already fit the type (see valueProblem).
 */
export function assembleTable(
  outputType: DataType,
  parts: Iterable<BatchOutput<unknown>>,
  batchRows = DEFAULT_BATCH_ROWS,
): Table {
  const kind = outputKind(outputType);
  const schema = resultSchema(outputType);
  const batches: RecordBatch[] = [];
  let pending: BatchOutput<unknown>[] = [];
  let pendingRows = 0;
  const flush = () => {
    if (pendingRows === 0) return;
    batches.push(buildBatch(schema, outputType, kind, pending, pendingRows));
    pending = [];
    pendingRows = 0;
  };
  for (const part of parts) {
    const shared = part.values.length >= MIN_SHARED_ROWS && part.values.length <= batchRows && kind.kind === 'list' ? contiguousFloats(part.values, kind.float64) : undefined;
    if (shared) {
      // A part whose vectors are consecutive views of one buffer (a remote answer's floats, a
      // packed call result) becomes its own batch over that buffer: no copy of its floats.
      flush();
      batches.push(buildBatch(schema, outputType, kind, [part], part.values.length, shared));
      continue;
    }
    pending.push(part);
    pendingRows += part.values.length;
    if (pendingRows >= batchRows) flush();
  }
  flush();
  return batches.length === 0 ? new Table(schema) : new Table(schema, batches);
}

/** Parts at least this long may keep their own batch to share their vectors' buffer (fewer, and batches stay big). */
const MIN_SHARED_ROWS = 256;

/**
 * The one typed array that rows' vectors are consecutive views of (nulls skipped), when they are
 * exact Float32Arrays (Float64Arrays for float64) of one ArrayBuffer, back to back, covering at least
 * half of it (so a few rows never pin a big buffer); else undefined.
 */
function contiguousFloats(values: ReadonlyArray<unknown>, float64: boolean): Float32Array | Float64Array | undefined {
  const ctor = float64 ? Float64Array : Float32Array;
  let buffer: ArrayBuffer | undefined;
  let start = 0;
  let next = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (!(v instanceof ctor) || v.constructor !== ctor) return undefined;
    if (buffer === undefined) {
      if (!(v.buffer instanceof ArrayBuffer)) return undefined; // shared memory may change under the table
      buffer = v.buffer;
      start = next = v.byteOffset;
    } else if (v.buffer !== buffer || v.byteOffset !== next) {
      return undefined;
    }
    next += v.byteLength;
  }
  if (buffer === undefined || 2 * (next - start) < buffer.byteLength) return undefined;
  return new ctor(buffer, start, (next - start) / ctor.BYTES_PER_ELEMENT);
}

/** Flattens parts into per-row (value, status, code) views without copying the values. */
function rowsOf(parts: BatchOutput<unknown>[], n: number) {
  const values: unknown[] = new Array(n);
  const statuses: string[] = new Array(n);
  const codes: (string | null)[] = new Array(n);
  let r = 0;
  for (const p of parts) {
    for (let i = 0; i < p.values.length; i++, r++) {
      const err = p.errors?.[i];
      const rowError = err === null || err === undefined ? null : typeof err === 'string' ? { code: ROW_ERROR_CODE, message: err } : err;
      if (rowError !== null) {
        values[r] = null;
        statuses[r] = rowError.message;
        codes[r] = rowError.code;
      } else {
        values[r] = p.values[i] ?? null;
        statuses[r] = ROW_OK;
        codes[r] = null;
      }
    }
  }
  return { values, statuses, codes };
}

/** `shared`: the rows' floats as one array already found by contiguousFloats (else looked for, or copied). */
function buildBatch(schema: Schema, type: DataType, kind: OutputKind, parts: BatchOutput<unknown>[], n: number, shared?: Float32Array | Float64Array) {
  if (parts.every((p) => !p.errors)) {
    // Every row ok (the usual chunk): status and error_code are filled in, not built row by row.
    const values = parts.length === 1 ? parts[0].values : parts.flatMap((p) => p.values);
    return batchOf(schema, n, buildResult(type, kind, values.map((v) => v ?? null), shared), allOk(n), allNull(n));
  }
  const { values, statuses, codes } = rowsOf(parts, n);
  return batchOf(schema, n, buildResult(type, kind, values, shared), buildUtf8(new Utf8(), statuses, true), buildUtf8(new Utf8(), codes, true));
}

function batchOf(schema: Schema, n: number, result: Data, status: Data, errorCode: Data): RecordBatch {
  const struct = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [result, status, errorCode] });
  return new RecordBatch(schema, struct);
}

const OK_BYTES = new TextEncoder().encode(ROW_OK);

/** A status column of `n` × 'ok'. */
function allOk(n: number): Data<Utf8> {
  const w = OK_BYTES.length;
  const bytes = new Uint8Array(n * w);
  for (let i = 0; i < n; i++) bytes.set(OK_BYTES, i * w);
  const valueOffsets = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) valueOffsets[i] = i * w;
  return makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets, data: bytes });
}

/** An error_code column of `n` nulls. */
function allNull(n: number): Data<Utf8> {
  return makeData({ type: new Utf8(), length: n, nullCount: n, nullBitmap: new Uint8Array(Math.ceil(n / 8)), valueOffsets: new Int32Array(n + 1), data: new Uint8Array(0) });
}

/** Validity bitmap (LSB first, 1 = valid) and null count; no bitmap when nothing is null. */
function validity(values: unknown[]): { nullBitmap?: Uint8Array; nullCount: number } {
  let nullCount = 0;
  for (const v of values) if (v === null) nullCount++;
  if (nullCount === 0) return { nullCount };
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  values.forEach((v, i) => {
    if (v !== null) nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

function buildResult(type: DataType, kind: OutputKind, values: unknown[], shared?: Float32Array | Float64Array): Data {
  const n = values.length;
  const valid = validity(values);
  switch (kind.kind) {
    case 'list': {
      const valueOffsets = new Int32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) {
        total += (values[i] as ArrayLike<number> | null)?.length ?? 0;
        valueOffsets[i + 1] = total;
      }
      // A failed row's value is null here while the part still held its floats: then the lengths differ.
      let child = shared ?? contiguousFloats(values, kind.float64);
      if (child?.length !== total) {
        child = floats(kind.float64, total);
        for (let i = 0; i < n; i++) copyInto(child, values[i] as ArrayLike<number> | null, valueOffsets[i]);
      }
      return makeData({ type, length: n, ...valid, valueOffsets, child: floatData(kind.float64, child) } as never);
    }
    case 'fixed-list': {
      const child = floats(kind.float64, n * kind.size);
      for (let i = 0; i < n; i++) copyInto(child, values[i] as ArrayLike<number> | null, i * kind.size);
      return makeData({ type, length: n, ...valid, child: floatData(kind.float64, child) } as never);
    }
    case 'float':
    case 'int32': {
      const data = kind.kind === 'int32' ? new Int32Array(n) : floats(kind.float64, n);
      for (let i = 0; i < n; i++) data[i] = (values[i] as number | null) ?? 0;
      return makeData({ type, length: n, ...valid, data } as never);
    }
    case 'bool': {
      const data = new Uint8Array(Math.ceil(n / 8));
      for (let i = 0; i < n; i++) if (values[i] === true) data[i >> 3] |= 1 << (i & 7);
      return makeData({ type: type as Bool, length: n, ...valid, data });
    }
    case 'utf8':
      return buildUtf8(type as Utf8, values as (string | null)[]);
  }
}

function floats(float64: boolean, n: number): Float32Array | Float64Array {
  return float64 ? new Float64Array(n) : new Float32Array(n);
}

function floatData(float64: boolean, child: Float32Array | Float64Array): Data {
  return float64
    ? makeData({ type: new Float64(), length: child.length, data: child as Float64Array })
    : makeData({ type: new Float32(), length: child.length, data: child as Float32Array });
}

function copyInto(target: Float32Array | Float64Array, row: ArrayLike<number> | null, at: number): void {
  if (row === null) return;
  if (ArrayBuffer.isView(row)) {
    target.set(row as unknown as ArrayLike<number>, at);
    return;
  }
  for (let j = 0; j < row.length; j++) target[at + j] = row[j];
}

const encoder = new TextEncoder();

/**
 * Builds a Utf8 column. `repetitive` (status and error_code: mostly 'ok'/null and a few error texts) encodes
 * each distinct string once and copies its bytes, about 5x faster than encoding every row.
 */
function buildUtf8(type: Utf8, strings: (string | null)[], repetitive = false): Data<Utf8> {
  const n = strings.length;
  const valid = validity(strings);
  const valueOffsets = new Int32Array(n + 1);
  let capacity = 0;
  for (const s of strings) capacity += s === null ? 0 : s.length * 3; // UTF-16 unit → ≤ 3 UTF-8 bytes
  const bytes = new Uint8Array(capacity);
  const cache = repetitive ? new Map<string, Uint8Array>() : undefined;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const s = strings[i];
    if (s !== null && s.length > 0) {
      if (cache) {
        let encoded = cache.get(s);
        if (encoded === undefined) cache.set(s, (encoded = encoder.encode(s)));
        bytes.set(encoded, at);
        at += encoded.length;
      } else {
        at += encoder.encodeInto(s, bytes.subarray(at)).written;
      }
    }
    valueOffsets[i + 1] = at;
  }
  return makeData({ type, length: n, ...valid, valueOffsets, data: bytes.subarray(0, at) });
}
