// The output dataset: every input column, plus `embedding` (list<float32>), plus `status` (utf8:
// 'ok' or the error message) and, when the codes are known, `error_code` only when some row
// failed. Row i of the output is row i of the input.
// Built lazily per row group, so a 1M × 512 output never exists as one buffer: each group's
// embedding column is a zero-copy slice of a List<Float32> vector, or is packed from per-row
// arrays just for that group.
import { DataType, Field, Float32, List, Precision, Table, Utf8, makeData, makeVector, vectorFromArray } from 'apache-arrow';
import type { Data, FixedSizeList, Vector } from 'apache-arrow';
import { ERROR_CODE_COLUMN } from '../core/assemble';
import { ROW_OK, type ChunkedCallResult } from '../core/types';
import { ColumnConflictError, EmbeddingShapeError } from './errors';
import { writeParquetChunks, type ParquetWriteOptions } from './parquet-write';

/** One embedding per input row: an Arrow vector (List/FixedSizeList of floats) or arrays; null = none. */
export type EmbeddingValues = Vector | ReadonlyArray<ArrayLike<number> | null | undefined>;

export interface EmbeddingColumns {
  embeddings: EmbeddingValues;
  /** Per-row 'ok' or error text (the engine's `status` column). Omitted: rows without an embedding failed. */
  status?: Vector | ReadonlyArray<string | null | undefined>;
  /** Per-row error code, null for ok rows (the engine's `error_code` column); written next to `status` when given. */
  errorCodes?: Vector | ReadonlyArray<string | null | undefined>;
}

export interface EmbeddingOutputOptions extends ParquetWriteOptions {
  /** Default 'embedding'. */
  embeddingColumn?: string;
  /** Default 'status'. */
  statusColumn?: string;
  /** Default 'error_code'. */
  errorCodeColumn?: string;
}

/** Picks `result`, `status` and `error_code` from the engine's result (ChunkedCallResult or its table). */
export function embeddingsFromResult(result: ChunkedCallResult | Table): EmbeddingColumns {
  const table = result instanceof Table ? result : result.table;
  const embeddings = table.getChild('result');
  if (!embeddings) {
    throw new EmbeddingShapeError('<result>', `the result table has no "result" column (columns: ${table.schema.fields.map((f) => f.name).join(', ')}).`);
  }
  const status = table.getChild('status') ?? undefined;
  const errorCodes = table.getChild(ERROR_CODE_COLUMN) ?? undefined;
  return errorCodes ? { embeddings, status, errorCodes } : { embeddings, status };
}

const lengthOf = (v: EmbeddingValues | NonNullable<EmbeddingColumns['status']>): number =>
  Array.isArray(v) ? v.length : (v as Vector).length;

const isVector = (v: unknown): v is Vector => typeof v === 'object' && v !== null && 'data' in v && 'type' in v && !Array.isArray(v);

const isListOfFloat32 = (t: DataType): boolean => DataType.isList(t) && DataType.isFloat(t.children[0].type) && t.children[0].type.precision === Precision.SINGLE;

const isFixedSizeOfFloat32 = (t: DataType): boolean =>
  DataType.isFixedSizeList(t) && DataType.isFloat(t.children[0].type) && t.children[0].type.precision === Precision.SINGLE;

/** Per-row status text ('ok' or the error), resolving the "no status given" convention. */
function statusAt(cols: EmbeddingColumns, i: number): string {
  const s = cols.status === undefined ? undefined : isVector(cols.status) ? cols.status.get(i) : cols.status[i];
  if (s !== undefined && s !== null) return String(s);
  if (cols.status !== undefined) return ROW_OK;
  // isValid, not get(): get() on a list vector builds a sub-vector per row.
  const missing = isVector(cols.embeddings) ? !cols.embeddings.isValid(i) : cols.embeddings[i] === null || cols.embeddings[i] === undefined;
  return missing ? 'no embedding' : ROW_OK;
}

/** FixedSizeList<Float32> rows [start, end) → List<Float32> Data: one contiguous copy per chunk. */
function packFixedSize(vec: Vector, start: number, end: number): Data<List<Float32>> {
  const size = (vec.type as FixedSizeList).listSize;
  const n = end - start;
  const flat = new Float32Array(n * size);
  const offsets = Int32Array.from({ length: n + 1 }, (_, r) => r * size);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  let row = 0; // global row index of the current chunk's first row
  for (const data of vec.data) {
    const from = Math.max(start, row);
    const to = Math.min(end, row + data.length);
    if (from < to) {
      const values = data.children[0].values as Float32Array;
      // Slicing a FixedSizeList slices its child's value buffer too: index 0 is this chunk's row 0.
      const base = (from - row) * size;
      flat.set(values.subarray(base, base + (to - from) * size), (from - start) * size);
      for (let g = from; g < to; g++) {
        if (vec.isValid(g)) bitmap[(g - start) >> 3] |= 1 << ((g - start) & 7);
        else nullCount++;
      }
    }
    row += data.length;
  }
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  return makeData({ type: new List(new Field('item', new Float32(), true)), length: n, nullCount, nullBitmap: nullCount > 0 ? bitmap : undefined, valueOffsets: offsets, child });
}

/** Packs rows [start, end) into one List<Float32> Data (nulls for missing rows). */
function packEmbeddings(values: EmbeddingValues, start: number, end: number, file: string): Data<List<Float32>> {
  const n = end - start;
  const get = (i: number): ArrayLike<number> | null | undefined => {
    if (!isVector(values)) return values[i];
    const v = values.get(i) as { toArray?: () => ArrayLike<number> } | ArrayLike<number> | null;
    if (v === null || v === undefined) return null;
    return typeof (v as { toArray?: unknown }).toArray === 'function' ? (v as { toArray: () => ArrayLike<number> }).toArray() : (v as ArrayLike<number>);
  };
  const offsets = new Int32Array(n + 1);
  const rows: (ArrayLike<number> | null | undefined)[] = new Array(n);
  let total = 0;
  let nullCount = 0;
  for (let r = 0; r < n; r++) {
    const e = get(start + r);
    rows[r] = e;
    if (e === null || e === undefined) nullCount++;
    else total += e.length;
    offsets[r + 1] = total;
  }
  const flat = new Float32Array(total);
  let bitmap: Uint8Array | undefined;
  if (nullCount > 0) bitmap = new Uint8Array((n + 7) >> 3);
  for (let r = 0; r < n; r++) {
    const e = rows[r];
    if (e === null || e === undefined) continue;
    if (bitmap) bitmap[r >> 3] |= 1 << (r & 7);
    for (let k = 0; k < e.length; k++) {
      const x = e[k];
      if (typeof x !== 'number') {
        throw new EmbeddingShapeError(file, `embedding of row ${start + r} holds a ${typeof x} at position ${k}; embeddings must be numbers.`);
      }
      flat[offsets[r] + k] = x;
    }
  }
  const child = makeData({ type: new Float32(), length: total, data: flat });
  return makeData({ type: new List(new Field('item', new Float32(), true)), length: n, nullCount, nullBitmap: bitmap, valueOffsets: offsets, child });
}

/** Checks lengths, names and dimensions up front so the write cannot fail half-way. */
function validate(input: Table, cols: EmbeddingColumns, embName: string, statusNames: StatusNames, file: string): { writeStatus: boolean; dim: number | undefined } {
  const rows = input.numRows;
  const embRows = lengthOf(cols.embeddings);
  if (embRows !== rows) {
    throw new EmbeddingShapeError(file, `there are ${embRows} embeddings for ${rows} input rows; each input row needs exactly one (null for a failed row).`);
  }
  if (cols.status !== undefined && lengthOf(cols.status) !== rows) {
    throw new EmbeddingShapeError(file, `the status column has ${lengthOf(cols.status)} entries for ${rows} input rows.`);
  }
  if (cols.errorCodes !== undefined && lengthOf(cols.errorCodes) !== rows) {
    throw new EmbeddingShapeError(file, `the error_code column has ${lengthOf(cols.errorCodes)} entries for ${rows} input rows.`);
  }
  checkOutputNames(input, embName, undefined, file);
  let dim: number | undefined;
  let writeStatus = false;
  const vec = isVector(cols.embeddings) ? cols.embeddings : undefined;
  for (let i = 0; i < rows; i++) {
    if (!writeStatus && statusAt(cols, i) !== ROW_OK) writeStatus = true;
    if (vec && (isListOfFloat32(vec.type) || isFixedSizeOfFloat32(vec.type))) continue; // one dimension by construction / checked below
    const e = vec ? (vec.get(i) as { length: number } | null) : (cols.embeddings as ReadonlyArray<ArrayLike<number> | null | undefined>)[i];
    if (e === null || e === undefined) continue;
    if (dim === undefined) dim = e.length;
    else if (e.length !== dim) {
      throw new EmbeddingShapeError(file, `embedding of row ${i} has ${e.length} values but earlier rows have ${dim}; all embeddings must have the same dimension.`);
    }
  }
  if (vec && isListOfFloat32(vec.type)) {
    for (const data of vec.data) {
      const off = data.valueOffsets;
      // valueOffsets of a sliced Data are already sub-arrays: index r is the chunk's row r.
      for (let r = 0; r < data.length; r++) {
        if (!data.getValid(r)) continue;
        const len = off[r + 1] - off[r];
        if (dim === undefined) dim = len;
        else if (len !== dim) {
          throw new EmbeddingShapeError(file, `an embedding has ${len} values but earlier rows have ${dim}; all embeddings must have the same dimension.`);
        }
      }
    }
  }
  if (writeStatus) checkOutputNames(input, embName, statusNames.status, file, cols.errorCodes ? statusNames.code : undefined);
  return { writeStatus, dim };
}

/** The names of the status columns: the message, and the code (written when the codes are known). */
interface StatusNames {
  status: string;
  code: string;
}

/**
 * The output adds `embName` (and `statusName`, `codeName` when given) to the input's columns: a clash
 * is a ColumnConflictError. Exported for writers that build the row groups themselves (the app's export).
 */
export function checkOutputNames(input: Table, embName: string, statusName: string | undefined, file: string, codeName?: string): void {
  const names = input.schema.fields.map((f) => f.name);
  if (names.includes(embName)) {
    throw new ColumnConflictError(file, `the input already has a column named ${JSON.stringify(embName)}; drop it or choose another output name (embeddingColumn option).`);
  }
  if (statusName !== undefined && names.includes(statusName)) {
    throw new ColumnConflictError(file, `the input already has a column named ${JSON.stringify(statusName)}; choose another name for the per-row status (statusColumn option).`);
  }
  if (codeName !== undefined && names.includes(codeName)) {
    throw new ColumnConflictError(file, `the input already has a column named ${JSON.stringify(codeName)}; choose another name for the per-row error code (errorCodeColumn option).`);
  }
}

/** The output rows [start, end) as a table: input columns + embedding (+ status + error_code). */
function outputSlice(input: Table, cols: EmbeddingColumns, start: number, end: number, embName: string, statusNames: StatusNames | undefined, file: string): Table {
  const slice = input.slice(start, end);
  const columns: Record<string, Vector> = {};
  input.schema.fields.forEach((f, i) => {
    columns[f.name] = slice.getChildAt(i)!;
  });
  const vec = isVector(cols.embeddings) ? cols.embeddings : undefined;
  columns[embName] =
    vec && isListOfFloat32(vec.type)
      ? vec.slice(start, end)
      : makeVector(vec && isFixedSizeOfFloat32(vec.type) ? packFixedSize(vec, start, end) : packEmbeddings(cols.embeddings, start, end, file));
  if (statusNames !== undefined) {
    const status: string[] = new Array(end - start);
    for (let i = start; i < end; i++) status[i - start] = statusAt(cols, i);
    columns[statusNames.status] = vectorFromArray(status, new Utf8());
    const codes = cols.errorCodes;
    if (codes !== undefined) {
      columns[statusNames.code] = isVector(codes)
        ? codes.slice(start, end)
        : vectorFromArray(Array.from({ length: end - start }, (_, k) => codes[start + k] ?? null), new Utf8());
    }
  }
  return new Table(columns);
}

/**
 * Streams the output Parquet for `input` + its embeddings (arrays, an Arrow vector, or the
 * engine's result) as byte chunks; see writeParquetChunks for consuming them.
 */
export async function* writeEmbeddingsParquet(
  input: Table,
  embeddings: EmbeddingColumns | ChunkedCallResult | Table,
  options: EmbeddingOutputOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const file = options.fileName ?? 'output.parquet';
  const cols = 'embeddings' in embeddings ? embeddings : embeddingsFromResult(embeddings);
  const embName = options.embeddingColumn ?? 'embedding';
  const statusNames: StatusNames = { status: options.statusColumn ?? 'status', code: options.errorCodeColumn ?? ERROR_CODE_COLUMN };
  const { writeStatus } = validate(input, cols, embName, statusNames, file);
  const rowGroupRows = Math.max(1, Math.floor(options.rowGroupRows ?? 10_000));
  function* slices(): Generator<Table> {
    for (let start = 0; start < input.numRows; start += rowGroupRows) {
      yield outputSlice(input, cols, start, Math.min(input.numRows, start + rowGroupRows), embName, writeStatus ? statusNames : undefined, file);
    }
  }
  if (input.numRows === 0) {
    yield* writeParquetChunks(outputSlice(input, cols, 0, 0, embName, writeStatus ? statusNames : undefined, file), options);
    return;
  }
  yield* writeParquetChunks(slices(), { ...options, rowGroupRows });
}
