// What the results explorer asks of the finished results: the sample and raw vectors for the
// projection worker, whole rows (every input column) for tooltips, details and tables, per-row
// colour codes for a column, and "more like this" by a row's own embedding. The input table is in
// worker memory; the results are read from storage through a ResultReader (result-reader.ts).
// Every count and index from the page is checked first.
import { DataType, type Table } from 'apache-arrow';
import { EmbedbookError } from '../core/errors';
import type { ColumnCodes, ExplorerInfo, RowRecord, SampleBlock, SearchHit, VectorBlock } from './api';
import type { ResultReader } from './result-reader';
import { evenlySpacedIn } from './chunk-records';
import { textReader } from '../io/text-column';

/** The finished results: the input table in memory, the embeddings and statuses in storage. */
export interface ResultView {
  table: Table;
  reader: ResultReader;
  /** Rows without an embedding (failed or null text). */
  missingRows: number;
  textColumn: string;
}

/** Limits on one request, so a bad or hostile call cannot make the worker allocate gigabytes. */
const EXPLORER_LIMITS = { vectorsPerCall: 20_000, sampleRows: 10_000, rowsPerCall: 1_000, neighbours: 500, categories: 20, numericBins: 8 } as const;

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
  const n = view.reader.rows;
  for (const r of rows) if (r < 0 || r >= n) throw new ExplorerRequestError(what, `row ${r} does not exist (the results have rows 0–${n - 1})`);
}

export function explorerInfo(view: ResultView): ExplorerInfo {
  return {
    rows: view.reader.rows,
    dim: view.reader.dim,
    failedRows: view.missingRows,
    textColumn: view.textColumn,
    columns: view.table.schema.fields.map((f) => ({ name: f.name, type: String(f.type), nullCount: view.table.getChild(f.name)?.nullCount ?? 0, isText: DataType.isUtf8(f.type) || DataType.isLargeUtf8(f.type) })),
  };
}

/** The embeddings of `rows` (row-major), with ok = 0 where a row has none (its values are 0). */
export async function vectorsOf(view: ResultView, rows: Int32Array): Promise<VectorBlock> {
  checkRows(view, rows, EXPLORER_LIMITS.vectorsPerCall, 'vectorsOf');
  const { dim } = view.reader;
  const data = new Float32Array(rows.length * dim);
  const ok = new Uint8Array(rows.length);
  // Rows in order, read as runs of consecutive rows: each stored chunk is read once (the reader
  // keeps the last two) and a run is one copy, not one allocation per row.
  const order = Array.from(rows.keys()).sort((a, b) => rows[a] - rows[b]);
  for (let k = 0; k < order.length; ) {
    let j = k;
    while (j + 1 < order.length && rows[order[j + 1]] === rows[order[j]] + 1) j++;
    const start = rows[order[k]];
    const block = await view.reader.range(start, rows[order[j]] + 1);
    for (let t = k; t <= j; t++) {
      const i = order[t];
      const r = rows[i];
      if (view.reader.status(r) !== null) continue;
      ok[i] = 1;
      data.set(block.subarray((r - start) * dim, (r - start + 1) * dim), i * dim);
    }
    k = j + 1;
  }
  return { dim, data, ok };
}

/**
 * The rows floor(i·rows/max) (i < max) that have an embedding, with their vectors, from the sample
 * kept with the stored chunks (no chunk's vectors are read): what the projection starts from. For
 * a size the store does not keep (not in SAMPLE_SIZES), rows evenly spread over the kept sample.
 */
export function sampleVectors(view: ResultView, max: number): SampleBlock {
  if (!Number.isInteger(max) || max < 1 || max > EXPLORER_LIMITS.sampleRows) throw new ExplorerRequestError('sampleVectors', `max must be an integer 1–${EXPLORER_LIMITS.sampleRows}, got ${max}`);
  const { dim, rows: total } = view.reader;
  const kept = view.reader.sample();
  const at = new Map<number, number>();
  kept.rows.forEach((r, k) => at.set(r, k));
  const exact = evenlySpacedIn(0, total, total, max);
  const picks = exact.every((r) => at.has(r) || view.reader.status(r) !== null)
    ? exact.map((r) => at.get(r)).filter((k): k is number => k !== undefined)
    : Array.from({ length: Math.min(max, kept.rows.length) }, (_, i) => Math.floor((i * kept.rows.length) / Math.min(max, kept.rows.length)));
  const rows = new Int32Array(picks.length);
  const data = new Float32Array(picks.length * dim);
  picks.forEach((k, i) => {
    rows[i] = kept.rows[k];
    data.set(kept.data.subarray(k * dim, (k + 1) * dim), i * dim);
  });
  return { dim, rows, data };
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
    return { row, status: view.reader.status(row) ?? 'ok', values };
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
export async function similarTo(view: ResultView, row: number, k: number): Promise<SearchHit[]> {
  checkRows(view, Int32Array.of(row), 1, 'similarTo');
  if (!Number.isInteger(k) || k < 1 || k > EXPLORER_LIMITS.neighbours) throw new ExplorerRequestError('similarTo', `k must be an integer 1–${EXPLORER_LIMITS.neighbours}, got ${k}`);
  const status = view.reader.status(row);
  if (status !== null) throw new ExplorerRequestError('similarTo', `row ${row} has no embedding (${status})`);
  return searchHits(view, await view.reader.nearest(await view.reader.range(row, row + 1), k, row));
}

/** Neighbours as hits with their row's text. */
export function searchHits(view: ResultView, hits: Array<{ index: number; score: number }>): SearchHit[] {
  const text = textReader(view.table, view.textColumn);
  return hits.map((h) => ({ row: h.index, score: h.score, text: text(h.index) ?? '' }));
}
