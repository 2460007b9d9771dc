// What the results explorer asks of the finished results: raw vectors for the projection
// worker, whole rows (every input column) for tooltips, details and tables, per-row colour
// codes for a column, and "more like this" by a row's own embedding. Pure functions over the
// results the worker holds; every count and index from the page is checked first.
import { DataType, type Table } from 'apache-arrow';
import { EmbedbookError } from '../core/errors';
import type { ColumnCodes, ExplorerInfo, RowRecord, SearchHit, VectorBlock } from './api';
import { nearest } from './vector-math';
import { textReader } from '../io/text-column';

/** The finished results as the worker holds them (input table + row-major matrix). */
export interface ResultView {
  table: Table;
  matrix: Float32Array;
  dim: number;
  /** Per row: null/undefined = ok, else the error text. */
  errors: ReadonlyArray<string | null | undefined>;
  textColumn: string;
}

/** Limits on one request, so a bad or hostile call cannot make the worker allocate gigabytes. */
export const EXPLORER_LIMITS = { vectorsPerCall: 20_000, rowsPerCall: 1_000, neighbours: 500, categories: 20, numericBins: 8 } as const;

export class ExplorerRequestError extends EmbedbookError {
  override readonly name = 'ExplorerRequestError';
  constructor(readonly what: string, readonly problem: string) {
    super(`${what}: ${problem}`);
  }
  override details(): Record<string, unknown> {
    return { what: this.what, problem: this.problem };
  }
}

function checkRows(view: ResultView, rows: Int32Array, max: number, what: string): void {
  if (rows.length > max) throw new ExplorerRequestError(what, `asked for ${rows.length} rows at once; the limit is ${max} (ask in blocks)`);
  const n = view.errors.length;
  for (const r of rows) if (r < 0 || r >= n) throw new ExplorerRequestError(what, `row ${r} does not exist (the results have rows 0–${n - 1})`);
}

export function explorerInfo(view: ResultView): ExplorerInfo {
  let failed = 0;
  for (const e of view.errors) if (e) failed++;
  return {
    rows: view.errors.length,
    dim: view.dim,
    failedRows: failed,
    textColumn: view.textColumn,
    columns: view.table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullCount: view.table.getChild(f.name)?.nullCount ?? 0, isText: DataType.isUtf8(f.type) || DataType.isLargeUtf8(f.type) })),
  };
}

/** The embeddings of `rows` (row-major), with ok = 0 where a row has none (its values are 0). */
export function vectorsOf(view: ResultView, rows: Int32Array): VectorBlock {
  checkRows(view, rows, EXPLORER_LIMITS.vectorsPerCall, 'vectorsOf');
  const { dim, matrix } = view;
  const data = new Float32Array(rows.length * dim);
  const ok = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    if (view.errors[r]) return;
    ok[i] = 1;
    data.set(matrix.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  return { dim, data, ok };
}

/** A cell as a structured-clone-safe value the page can show (lists shortened, dates as ISO). */
function plainValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && Symbol.iterator in v) {
    const items = Array.from(v as Iterable<unknown>);
    const head = items.slice(0, 8).map((x) => (typeof x === 'number' ? Number(x.toFixed(4)) : plainValue(x)));
    return items.length > 8 ? `[${head.join(', ')}, … ${items.length - 8} more]` : `[${head.join(', ')}]`;
  }
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** Every input column of `rows`, in the order asked, with the row's status. */
export function rowsOf(view: ResultView, rows: Int32Array): RowRecord[] {
  checkRows(view, rows, EXPLORER_LIMITS.rowsPerCall, 'rowsOf');
  const cols = view.table.schema.fields.map((f) => ({ name: f.name, vec: view.table.getChild(f.name) }));
  return Array.from(rows, (row) => {
    const values: Record<string, unknown> = {};
    for (const c of cols) values[c.name] = plainValue(c.vec?.get(row));
    return { row, status: view.errors[row] ?? 'ok', values };
  });
}

function isNumeric(t: DataType): boolean {
  return DataType.isInt(t) || DataType.isFloat(t) || DataType.isDecimal(t);
}

/**
 * One colour code per row for `column`: numbers in (at most) 8 equal-count bins, anything else as
 * its 19 most frequent values + "other"; nulls get their own code. Labels are indexed by code.
 */
export function columnCodes(view: ResultView, column: string): ColumnCodes {
  const field = view.table.schema.fields.find((f) => f.name === column);
  const vec = view.table.getChild(column);
  if (!field || !vec) {
    throw new ExplorerRequestError('columnCodes', `no column ${JSON.stringify(column)} (columns: ${view.table.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const n = view.table.numRows;
  const codes = new Uint8Array(n);
  const labels: string[] = [];
  if (isNumeric(field.type)) {
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = vec.get(i);
      if (v !== null && v !== undefined && Number.isFinite(Number(v))) values.push(Number(v));
    }
    values.sort((a, b) => a - b);
    const distinct = new Set(values).size;
    const bins = Math.max(1, Math.min(EXPLORER_LIMITS.numericBins, distinct));
    const edges: number[] = [];
    for (let b = 1; b < bins; b++) edges.push(values[Math.floor((b * values.length) / bins)]);
    const lo = values[0];
    const hi = values[values.length - 1];
    const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(3));
    for (let b = 0; b < bins; b++) labels.push(values.length ? `${fmt(b === 0 ? lo : edges[b - 1])} – ${fmt(b === bins - 1 ? hi : edges[b])}` : 'no values');
    // Nulls and non-finite values (NaN, ±Infinity) share one code, listed only when there are any.
    const nullCode = values.length < n ? labels.push('∅ (null or not finite)') - 1 : -1;
    for (let i = 0; i < n; i++) {
      const v = vec.get(i);
      const x = Number(v);
      if (v === null || v === undefined || !Number.isFinite(x)) {
        codes[i] = nullCode;
        continue;
      }
      let b = 0;
      while (b < edges.length && x >= edges[b]) b++;
      codes[i] = b;
    }
    return { column, kind: 'numeric', codes, labels };
  }
  const counts = new Map<string, number>();
  const key = (v: unknown): string | null => (v === null || v === undefined ? null : String(plainValue(v)));
  for (let i = 0; i < n; i++) {
    const k = key(vec.get(i));
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, EXPLORER_LIMITS.categories - 1);
  const index = new Map(top.map(([k], i) => [k, i]));
  labels.push(...top.map(([k]) => (k.length > 40 ? `${k.slice(0, 39)}…` : k)));
  const other = counts.size > top.length ? labels.push(`other (${counts.size - top.length} values)`) - 1 : -1;
  const nullCode = vec.nullCount > 0 ? labels.push('∅ (null)') - 1 : -1;
  for (let i = 0; i < n; i++) {
    const k = key(vec.get(i));
    codes[i] = k === null ? nullCode : (index.get(k) ?? other);
  }
  return { column, kind: 'category', codes, labels };
}

/** The `k` rows most similar (cosine) to `row`'s own embedding, itself and failed rows excluded. */
export function similarTo(view: ResultView, row: number, k: number): SearchHit[] {
  checkRows(view, Int32Array.of(row), 1, 'similarTo');
  if (!Number.isInteger(k) || k < 1 || k > EXPLORER_LIMITS.neighbours) throw new ExplorerRequestError('similarTo', `k must be an integer 1–${EXPLORER_LIMITS.neighbours}, got ${k}`);
  if (view.errors[row]) throw new ExplorerRequestError('similarTo', `row ${row} has no embedding (${view.errors[row]})`);
  const n = view.errors.length;
  const skip = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (view.errors[i]) skip[i] = 1;
  skip[row] = 1;
  const text = textReader(view.table, view.textColumn);
  const q = view.matrix.subarray(row * view.dim, (row + 1) * view.dim);
  return nearest({ data: view.matrix, rows: n, dim: view.dim }, q, k, skip).map((h) => ({ row: h.index, score: h.score, text: text(h.index) ?? '' }));
}
