// Runs one embedding job over the held Arrow table through the backend's EmbedFunction (the public
// `chunkedCall`, src/core/embed-function.ts) with a `sink` that writes each delivered chunk to the ChunkStore (the results are
// never kept in worker memory), `skipChunks` + `completed` for chunks an earlier run saved
// (resume after a cancel or a reload), and progress events batched so the page re-renders at
// most ~10×/s.
import { Table, type Vector } from 'apache-arrow';
import { planChunks } from '../core/plan-chunks';
import { NULL_TEXT_CODE, ROW_ERROR_CODE } from '../core/row-error';
import type { BatchOutput, ChunkedCallOptions, ChunkPlan, ChunkProgressEvent, RowError, TimerApi } from '../core/types';
import { defaultTimers } from '../core/timers';
import { UnknownColumnError } from '../io/errors';
import { isTextTemplate, parseTextTemplate, renderTextTemplate } from '../io/text-template';
import type { RowErrorGroup, RunEvent, RunSettings } from './api';
import type { ChunkMeta, ChunkStore } from './chunk-store';
import { chunkIndexAt, chunkRecord, rowsOfOutput, rowsOfPart, storedErrorCode } from './chunk-records';
import type { EmbedBackend } from './embed-backend';

/** The engine's planner, injected so the runner is testable without a browser (the call itself is the backend's `fn.chunkedCall`). */
export interface Engine {
  planChunks(rows: number, opts: { chunkSize: number } | { numChunks: number }): ChunkPlan[];
}

const defaultEngine: Engine = { planChunks };

export interface JobInput {
  /** The whole input table; only `textColumn` is sent to the backend (as column `text`). */
  table: Table;
  settings: RunSettings;
  jobKey: string;
  signal: AbortSignal;
  emit: (events: RunEvent[]) => void;
}

/** What a run leaves behind: counts and the plan; the vectors are in the ChunkStore under jobKey. */
export interface JobOutput {
  jobKey: string;
  plan: ChunkPlan[];
  rows: number;
  dim: number;
  /** Rows that failed (any error code but NULL_TEXT). */
  failedRows: number;
  /** Rows whose text is a true null (Parquet/JSONL null): a null embedding, status `null`, not a failure. */
  nullRows: number;
  chunks: number;
  cancelled: boolean;
  groups: RowErrorGroup[];
}

export interface JobDeps {
  engine?: Engine;
  store: ChunkStore;
  backend: EmbedBackend;
  /** Clock and timers (default: the engine's defaultTimers; tests pass fake ones). */
  timers?: TimerApi;
  /** Flush interval for batched progress events (ms). */
  flushMs?: number;
}

/** Most error groups reported, and most rows listed per group (the counts stay exact). */
const MAX_GROUPS = 200;
const MAX_GROUP_ROWS = 1_000;

/** `textColumn`: a text column's name or a text template such as `{title}: {body}` (src/io). */
function argsTable(table: Table, textColumn: string): Table {
  const col = table.getChild(textColumn) ?? (isTextTemplate(textColumn) ? renderTextTemplate(parseTextTemplate(textColumn), table) : null);
  if (!col) throw new UnknownColumnError('dataset', textColumn, table.schema.fields.map((f) => f.name));
  return new Table({ text: col as Vector });
}

function isAbort(err: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError');
}

/** A saved chunk as the engine's `completed` output: one vector (or null + error) per row. */
async function savedOutput(store: ChunkStore, jobKey: string, meta: ChunkMeta): Promise<BatchOutput<Float32Array> | undefined> {
  const vectors = await store.vectors(jobKey, meta.index);
  if (!vectors || vectors.length !== meta.rows * meta.dim) return undefined;
  const errors: Array<RowError | null> = new Array<RowError | null>(meta.rows).fill(null);
  meta.errorRows.forEach((r, k) => (errors[r] = { code: storedErrorCode(meta, k), message: meta.errors[k] }));
  const values = errors.map((e, i) => (e === null ? vectors.subarray(i * meta.dim, (i + 1) * meta.dim) : null));
  return meta.errorRows.length ? { values, errors } : { values };
}

/** Totals and error groups of a job, from its chunk metas (all small). */
export function summarize(metas: ChunkMeta[]): Pick<JobOutput, 'dim' | 'failedRows' | 'nullRows' | 'groups'> {
  let dim = 0;
  let failedRows = 0;
  let nullRows = 0;
  const groups = new Map<string, RowErrorGroup>();
  for (const m of metas) {
    dim ||= m.dim;
    m.errorRows.forEach((r, k) => {
      const msg = m.errors[k];
      const code = storedErrorCode(m, k);
      if (code === NULL_TEXT_CODE) return void nullRows++;
      failedRows++;
      // By code: one group per cause however its messages differ (each timeout names its chunk); a
      // handler's plain texts all share ROW_ERROR, so those are told apart by their message too.
      const key = code === ROW_ERROR_CODE ? `${code}\n${msg}` : code;
      let g = groups.get(key);
      if (!g && groups.size < MAX_GROUPS) groups.set(key, (g = { code, message: msg, rows: [], count: 0 }));
      if (!g) return;
      g.count++;
      if (g.rows.length < MAX_GROUP_ROWS) g.rows.push(m.offset + r);
    });
  }
  return { dim, failedRows, nullRows, groups: [...groups.values()] };
}

export async function runJob(input: JobInput, deps: JobDeps): Promise<JobOutput> {
  const { table, settings, jobKey, signal, emit } = input;
  const { store } = deps;
  const timers = deps.timers ?? defaultTimers;
  const now = () => timers.now();
  const chunking = settings.chunking.mode === 'chunkSize' ? { chunkSize: settings.chunking.chunkSize } : { numChunks: settings.chunking.numChunks };
  const engine = deps.engine ?? defaultEngine;
  const rows = table.numRows;
  const plan = engine.planChunks(rows, chunking);
  const args = argsTable(table, settings.textColumn);

  // Chunks saved by an earlier run: the unbroken run of them from chunk 0 is skipped outright
  // (never read back); saved chunks after a gap (finished ahead of their turn, at most one window)
  // are handed to the engine as `completed`.
  const saved = new Set((await store.metas(jobKey)).filter((m) => plan[m.index]?.rows === m.rows).map((m) => m.index));
  let skipChunks = 0;
  while (saved.has(skipChunks)) skipChunks++;
  const completed = new Map<number, BatchOutput<Float32Array>>();
  for (const meta of await store.metas(jobKey)) {
    if (meta.index < skipChunks || !saved.has(meta.index)) continue;
    const out = await savedOutput(store, jobKey, meta);
    if (out) completed.set(meta.index, out);
    else saved.delete(meta.index);
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
  emit([{ type: 'plan', chunks: plan, cachedChunks: [...saved].sort((a, b) => a - b) }]);

  // The sink: the engine delivers finished rows in input order (one or more whole chunks per
  // write, at most `concurrentChunks` chunks held); each chunk is written as its own record.
  let next = skipChunks; // the first chunk the sink has not been handed yet
  let writing = 0;
  let dim = 0;
  const sink = {
    write: async ({ offset, table: part }: { offset: number; table: Table }) => {
      const first = chunkIndexAt(plan, offset);
      const rowAt = rowsOfPart(part);
      writing++;
      try {
        for (let i = first; i < plan.length && plan[i].offset < offset + part.numRows; i++) {
          next = i + 1;
          if (saved.has(i)) continue; // already written when it finished ahead of its turn
          const c = plan[i];
          const record = chunkRecord(c, (r) => rowAt(c.offset - offset + r), rows, dim);
          dim ||= record.meta.dim;
          await store.put(jobKey, record);
          saved.add(i);
        }
      } finally {
        writing--;
      }
    },
  };
  // A chunk that finishes while an earlier one still runs waits for its turn in the engine; write
  // it at once so a reload meanwhile still finds every chunk shown done.
  const early: Array<Promise<void>> = [];
  const onChunkOutput = (c: ChunkPlan, out: BatchOutput<unknown>) => {
    if (c.index === next && !writing) return;
    const record = chunkRecord(c, rowsOfOutput(out), rows, dim);
    dim ||= record.meta.dim;
    saved.add(c.index);
    early.push(store.put(jobKey, record).catch(() => void saved.delete(c.index)));
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
  let cancelled = false;
  try {
    await deps.backend.fn.chunkedCall(args, {
      ...chunking,
      sink,
      skipChunks,
      completed,
      concurrentChunks: settings.concurrentChunks,
      timeout: settings.timeout ?? undefined,
      retries: settings.retries,
      signal,
      onProgress,
      onChunkOutput,
    } as ChunkedCallOptions);
    cancelled = signal.aborted;
  } catch (err) {
    if (!isAbort(err, signal)) throw err;
    cancelled = true;
  } finally {
    await Promise.all(early);
    if (timer !== undefined) timers.clearTimeout(timer);
    flush();
  }
  const totals = cancelled ? { dim, failedRows: 0, nullRows: 0, groups: [] } : summarize(await store.metas(jobKey));
  return { jobKey, plan, rows, chunks: plan.length, cancelled, ...totals };
}

/**
 * Backends and the engine number rows within their batch from 0 ("row 2: …"); a user reads the
 * file's data rows, numbered from 1. Rewrites every "row N" of a chunk's message accordingly.
 */
export function fileRows(message: string, chunkOffset: number): string {
  return message.replace(/\brow (\d+)\b/g, (_, n: string) => `row ${chunkOffset + Number(n) + 1}`);
}
