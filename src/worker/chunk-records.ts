// Turns a finished chunk (the engine's assembled `result` + `status` rows, or a raw BatchOutput
// when a chunk finishes ahead of its turn) into the StoredChunk written to the ChunkStore, and
// picks the chunk's rows of the explorer sample. Pure functions.
import type { Table } from 'apache-arrow';
import { ERROR_CODE_COLUMN } from '../core/assemble';
import { NULL_TEXT_CODE, ROW_ERROR_CODE, toRowError } from '../core/row-error';
import type { BatchOutput, ChunkPlan, RowError } from '../core/types';
import type { ChunkMeta, ChunkStore, StoredChunk } from './chunk-store';

/**
 * The explorer's sample sizes (its *UMAP sample* choice). The stored sample holds, for each size
 * n, the rows floor(i·total/n): so a sample of any of these sizes is exactly the evenly spaced
 * rows, without reading a chunk (at most 19,000 rows).
 */
export const SAMPLE_SIZES = [1_000, 3_000, 5_000, 10_000] as const;

/** The status of a row whose text is a true null (code NULL_TEXT): not a failure, there is nothing to embed. */
const NULL_STATUS = 'null';
/** The code of a row that came back with neither a vector nor an error. */
const NO_RESULT_CODE = 'NO_RESULT';
/** The code of a row whose vector's length differs from the chunk's others. */
const DIMENSION_MISMATCH_CODE = 'DIMENSION_MISMATCH';

/** The code of a stored chunk's k-th error; chunks saved before codes existed (no `codes`) knew only the null status, by its text. */
export function storedErrorCode(meta: Pick<ChunkMeta, 'errors' | 'codes'>, k: number): string {
  return meta.codes?.[k] ?? (meta.errors[k] === NULL_STATUS ? NULL_TEXT_CODE : ROW_ERROR_CODE);
}

/** The index of the plan's chunk holding `row` (binary search over the chunk offsets). */
export function chunkIndexAt(plan: ReadonlyArray<ChunkPlan>, row: number): number {
  let lo = 0;
  let hi = plan.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (plan[mid].offset <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Rows floor(i·total/n) (i < n) within [offset, offset+rows): one size's evenly spaced sample. */
export function evenlySpacedIn(offset: number, rows: number, total: number, n: number): number[] {
  if (total <= n) return Array.from({ length: rows }, (_, i) => offset + i);
  const out: number[] = [];
  for (let i = Math.max(0, Math.floor((offset * n) / total) - 1); i < n; i++) {
    const r = Math.floor((i * total) / n);
    if (r >= offset + rows) break;
    if (r >= offset) out.push(r);
  }
  return out;
}

/** Global rows of the stored sample (every SAMPLE_SIZES size's evenly spaced rows) within [offset, offset+rows). */
export function sampleRowsIn(offset: number, rows: number, total: number): number[] {
  const all = new Set<number>();
  for (const n of SAMPLE_SIZES) for (const r of evenlySpacedIn(offset, rows, total, n)) all.add(r);
  return [...all].sort((a, b) => a - b);
}

/**
 * A failed row's status as the app keeps it, decided by its code: a null text (NULL_TEXT) is the
 * status NULL_STATUS; otherwise the message without the "row N: " prefix backends put on it
 * (numbered within their batch, meaningless in the file).
 */
function rowStatus(error: RowError): RowError {
  return error.code === NULL_TEXT_CODE ? { code: NULL_TEXT_CODE, message: NULL_STATUS } : { code: error.code, message: error.message.replace(/^row \d+: /, '') };
}

/** One row of a finished chunk: its vector (null when none) and status (null = ok). */
export interface RowResult {
  vector: ArrayLike<number> | null;
  status: RowError | null;
}

/** Builds the stored chunk from its rows; vectors of another length than the first are errors. */
export function chunkRecord(plan: ChunkPlan, rowAt: (i: number) => RowResult, totalRows: number, knownDim = 0): StoredChunk {
  let dim = knownDim;
  for (let i = 0; i < plan.rows && !dim; i++) {
    const r = rowAt(i);
    if (r.status === null && r.vector) dim = r.vector.length;
  }
  const vectors = new Float32Array(plan.rows * dim);
  const errorRows: number[] = [];
  const errors: string[] = [];
  const codes: string[] = [];
  const ok = new Uint8Array(plan.rows);
  for (let i = 0; i < plan.rows; i++) {
    const { vector, status } = rowAt(i);
    const problem: RowError | null =
      (status && rowStatus(status)) ??
      (vector === null
        ? { code: NO_RESULT_CODE, message: 'no result' }
        : vector.length !== dim
          ? { code: DIMENSION_MISMATCH_CODE, message: `embedding has ${vector.length} values, expected ${dim}` }
          : null);
    if (problem !== null) {
      errorRows.push(i);
      errors.push(problem.message);
      codes.push(problem.code);
      continue;
    }
    vectors.set(vector!, i * dim);
    ok[i] = 1;
  }
  const sampleRows = sampleRowsIn(plan.offset, plan.rows, totalRows).filter((r) => ok[r - plan.offset]);
  const sample = new Float32Array(sampleRows.length * dim);
  sampleRows.forEach((r, k) => sample.set(vectors.subarray((r - plan.offset) * dim, (r - plan.offset + 1) * dim), k * dim));
  return {
    meta: { index: plan.index, offset: plan.offset, rows: plan.rows, dim, errorRows: Int32Array.from(errorRows), errors, codes, sampleRows: Int32Array.from(sampleRows), sample },
    vectors,
  };
}

/** Rows of a raw BatchOutput (a chunk stored before the engine assembled it). */
export function rowsOfOutput(out: BatchOutput<unknown>): (i: number) => RowResult {
  return (i) => {
    const v = out.values[i];
    const err = toRowError(out.errors?.[i]);
    const vector = v instanceof Float32Array || Array.isArray(v) ? (v as ArrayLike<number>) : null;
    return { vector, status: err ?? (vector === null ? { code: NO_RESULT_CODE, message: 'no result' } : null) };
  };
}

/**
 * Rows of the engine's assembled part (`result` list<float32> + `status` + `error_code`), read from the Arrow
 * buffers directly (no per-row Vector objects). `rowAt(i)` answers part row i.
 */
export function rowsOfPart(table: Table): (i: number) => RowResult {
  const result = table.getChild('result');
  const status = table.getChild('status');
  const code = table.getChild(ERROR_CODE_COLUMN);
  const batches = result?.data ?? [];
  const starts: number[] = [];
  let n = 0;
  for (const d of batches) {
    starts.push(n);
    n += d.length;
  }
  return (i) => {
    const s = status?.get(i) as string | null | undefined;
    let b = starts.length - 1;
    while (b > 0 && starts[b] > i) b--;
    const data = batches[b];
    const r = i - (starts[b] ?? 0);
    let vector: Float32Array | null = null;
    if (data?.getValid(r)) {
      const off = data.valueOffsets;
      const child = data.children[0];
      const values = child.values as Float32Array;
      vector = values.subarray(child.offset + off[data.offset + r], child.offset + off[data.offset + r + 1]);
    }
    const failed = s && s !== 'ok' ? { code: (code?.get(i) as string | null) ?? ROW_ERROR_CODE, message: s } : null;
    return { vector, status: failed ?? (vector === null ? { code: NO_RESULT_CODE, message: 'no result' } : null) };
  };
}

/**
 * Stores a whole result given as a matrix (the explorer's synthetic results, tests): chunk by
 * chunk of the plan, exactly as a run would have written it. `errors[i]` set = row i has none.
 */
export async function storeMatrix(
  store: ChunkStore,
  jobKey: string,
  plan: ChunkPlan[],
  result: { matrix: Float32Array; dim: number; errors?: ReadonlyArray<string | RowError | null | undefined> },
): Promise<void> {
  const total = plan.reduce((n, c) => n + c.rows, 0);
  const { matrix, dim, errors } = result;
  for (const c of plan) {
    const rowAt = (i: number): RowResult => {
      const r = c.offset + i;
      const e = toRowError(errors?.[r]);
      return e ? { vector: null, status: e } : { vector: matrix.subarray(r * dim, (r + 1) * dim), status: null };
    };
    await store.put(jobKey, chunkRecord(c, rowAt, total, dim));
  }
}
