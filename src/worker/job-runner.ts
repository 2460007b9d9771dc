// Runs one embedding job over the held Arrow table: plans chunks, serves already-saved chunks
// from the cache (resume), runs the rest through the engine with the chosen backend, saves each
// finished chunk, and batches progress events so the page re-renders at most ~10×/s.
import { Table, type Vector } from 'apache-arrow';
import { planChunks } from '../core';
import type { BatchOutput, ChunkedCallOptions, ChunkedCallResult, ChunkPlan, ChunkProgressEvent, TimerApi } from '../core/types';
import { defaultTimers } from '../core/timers';
import { UnknownColumnError } from '../io/errors';
import type { RowErrorGroup, RunEvent, RunSettings } from './api';
import type { ChunkCache } from './chunk-cache';
import type { EmbedBackend } from './embed-backend';
import { isTextTemplate, parseTextTemplate, renderTextTemplate } from '../io/text-template';

/** The engine's planner, injected so the runner is testable without a browser (the call itself is the backend's `fn.chunkedCall`). */
export interface Engine {
  planChunks(rows: number, opts: { chunkSize: number } | { numChunks: number }): ChunkPlan[];
}

export const defaultEngine: Engine = { planChunks };

export interface JobInput {
  /** The whole input table; only `textColumn` is sent to the backend (as column `text`). */
  table: Table;
  settings: RunSettings;
  jobKey: string;
  signal: AbortSignal;
  emit: (events: RunEvent[]) => void;
}

export interface JobOutput {
  /** Row-major [rows, dim]; failed rows are zeros. */
  matrix: Float32Array;
  dim: number;
  /** Per row: null = ok, else the error text. */
  errors: Array<string | null>;
  /** Rows that failed (errors[i] set and not NULL_STATUS). */
  failedRows: number;
  /** Rows whose text is a true null (Parquet/JSONL null): a null embedding, status `null`, not a failure. */
  nullRows: number;
  chunks: number;
  cancelled: boolean;
  groups: RowErrorGroup[];
}

export interface JobDeps {
  engine?: Engine;
  cache: ChunkCache;
  backend: EmbedBackend;
  /** Clock and timers (default: the engine's defaultTimers; tests pass fake ones). */
  timers?: TimerApi;
  /** Flush interval for batched progress events (ms). */
  flushMs?: number;
}

/** `textColumn`: a text column's name or a text template such as `{title}: {body}` (src/io). */
export function argsTable(table: Table, textColumn: string): Table {
  const col = table.getChild(textColumn) ?? (isTextTemplate(textColumn) ? renderTextTemplate(parseTextTemplate(textColumn), table) : null);
  if (!col) throw new UnknownColumnError('dataset', textColumn, table.schema.fields.map((f) => f.name));
  return new Table({ text: col as Vector });
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError');
}

export async function runJob(input: JobInput, deps: JobDeps): Promise<JobOutput> {
  const { table, settings, jobKey, signal, emit } = input;
  const timers = deps.timers ?? defaultTimers;
  const now = () => timers.now();
  const chunking = settings.chunking.mode === 'chunkSize' ? { chunkSize: settings.chunking.chunkSize } : { numChunks: settings.chunking.numChunks };
  const engine = deps.engine ?? defaultEngine;
  const plan = engine.planChunks(table.numRows, chunking);
  // Chunks saved by an earlier run of the same job are handed to the engine as `completed`.
  const completed = new Map<number, BatchOutput<Float32Array>>();
  let dim = 0;
  for (const c of plan) {
    const hit = await deps.cache.get(jobKey, c.index);
    if (!hit || hit.rows !== c.rows) continue;
    dim ||= hit.dim;
    const values = Array.from({ length: hit.rows }, (_, i) => hit.values.subarray(i * hit.dim, (i + 1) * hit.dim));
    completed.set(c.index, hit.errors.some((e) => e) ? { values, errors: hit.errors } : { values });
  }

  let pending: RunEvent[] = [];
  let timer: unknown;
  const flush = () => {
    timer = undefined;
    if (pending.length) emit(pending);
    pending = [];
  };
  const push = (e: RunEvent) => {
    pending.push(e);
    timer ??= timers.setTimeout(flush, deps.flushMs ?? 100);
  };
  emit([{ type: 'plan', chunks: plan, cachedChunks: [...completed.keys()] }]);

  const args = argsTable(table, settings.textColumn);
  const rows = table.numRows;

  // Save each chunk as it finishes (the engine hands over its output, bisected or not), so a
  // cancel or a reload keeps it. Chunks with failed rows are not saved: a resume retries them.
  const saves: Array<Promise<void>> = [];
  const onChunkOutput = (p: ChunkPlan, output: BatchOutput<unknown>) => {
    const out = output as BatchOutput<Float32Array>;
    if (out.errors?.some((e) => e) || out.values.length !== p.rows) return;
    const first = out.values.find((v): v is Float32Array => v != null);
    const d = first?.length ?? 0;
    dim ||= d;
    const values = new Float32Array(p.rows * d);
    out.values.forEach((v, i) => v && values.set(v, i * d));
    saves.push(deps.cache.put(jobKey, { index: p.index, offset: p.offset, rows: p.rows, dim: d, values, errors: out.values.map(() => null) }).catch(() => undefined));
  };
  const onProgress = (raw: ChunkProgressEvent) => {
    const event = 'error' in raw ? { ...raw, error: fileRows(raw.error, raw.offset) } : raw;
    push({ type: 'chunk', event, at: now() });
    // A local chunk's inference runs synchronously on this thread and would hold back the timer:
    // send 'running' at once (postMessage needs no event-loop turn) so the page shows it.
    if (event.status === 'running') {
      if (timer !== undefined) timers.clearTimeout(timer);
      flush();
    }
  };
  let result: ChunkedCallResult;
  try {
    result = await deps.backend.fn.chunkedCall(args, {
      ...chunking,
      completed,
      concurrentChunks: settings.concurrentChunks,
      timeout: settings.timeout ?? undefined,
      retries: settings.retries,
      signal,
      onProgress,
      onChunkOutput,
    } as ChunkedCallOptions);
  } catch (err) {
    if (timer !== undefined) timers.clearTimeout(timer);
    flush();
    if (isAbort(err, signal)) return { matrix: new Float32Array(0), dim, errors: [], failedRows: 0, nullRows: 0, chunks: plan.length, cancelled: true, groups: [] };
    throw err;
  } finally {
    await Promise.all(saves);
  }
  if (timer !== undefined) timers.clearTimeout(timer);
  flush();
  if (signal.aborted) return { matrix: new Float32Array(0), dim, errors: [], failedRows: 0, nullRows: 0, chunks: plan.length, cancelled: true, groups: [] };

  return collect(result.table, rows, dim, plan.length);
}

/**
 * Backends and the engine number rows within their batch from 0 ("row 2: …"); a user reads the
 * file's data rows, numbered from 1. Rewrites every "row N" of a chunk's message accordingly.
 */
export function fileRows(message: string, chunkOffset: number): string {
  return message.replace(/\brow (\d+)\b/g, (_, n: string) => `row ${chunkOffset + Number(n) + 1}`);
}

/** The status of a row whose text is a true null: not a failure, there is nothing to embed. */
export const NULL_STATUS = 'null';

/** A backend's "expected a string, got null" is a null cell, reported as status `null`. */
function statusOf(message: string): string {
  return /^expected a string, got (null|undefined)/.test(message) ? NULL_STATUS : message;
}

/** Flattens the engine's `result` (list<float32>) + `status` columns into a matrix and errors. */
export function collect(out: Table, rows: number, knownDim: number, chunks: number): JobOutput {
  const result = out.getChild('result');
  const status = out.getChild('status');
  // Read the list<float32> column's buffers directly (offsets + values + validity), one copy per
  // row into the matrix: no per-row Vector objects, which matters at a million rows.
  let dim = knownDim;
  for (const data of result?.data ?? []) {
    const off = data.valueOffsets;
    for (let r = 0; r < data.length && !dim; r++) if (data.getValid(r)) dim = off[data.offset + r + 1] - off[data.offset + r];
  }
  const matrix = new Float32Array(rows * dim);
  const has = new Uint8Array(rows);
  let row = 0;
  for (const data of result?.data ?? []) {
    const off = data.valueOffsets;
    const values = data.children[0].values as Float32Array;
    const base = data.children[0].offset;
    for (let r = 0; r < data.length; r++, row++) {
      if (!data.getValid(r)) continue;
      const start = off[data.offset + r];
      if (off[data.offset + r + 1] - start !== dim) continue; // a wrong-sized vector counts as no result
      matrix.set(values.subarray(base + start, base + start + dim), row * dim);
      has[row] = 1;
    }
  }
  const errors: Array<string | null> = [];
  const groupsByMsg = new Map<string, number[]>();
  let failedRows = 0;
  let nullRows = 0;
  for (let i = 0; i < rows; i++) {
    const s = status?.get(i) as string | null | undefined;
    // Backends number rows within their batch ("row 3: …"); the grouping below names input rows.
    const err = s && s !== 'ok' ? statusOf(s.replace(/^row \d+: /, '')) : has[i] ? null : 'no result';
    errors.push(err);
    if (err === NULL_STATUS) nullRows++;
    else if (err) {
      failedRows++;
      const list = groupsByMsg.get(err) ?? [];
      list.push(i);
      groupsByMsg.set(err, list);
    }
  }
  const groups = [...groupsByMsg].slice(0, 200).map(([message, r]) => ({ message, rows: r }));
  return { matrix, dim, errors, failedRows, nullRows, chunks, cancelled: false, groups };
}
