// chunkedCall: plan → schedule (≤ concurrentChunks) → per-chunk retries/isolation → ordered
// assembly. Generic over any BatchFunction; backends only know how to run one batch.
import type { DataType } from 'apache-arrow';
import { AbortGroup } from './abort-group';
import { assembleTable, emptyResultTable } from './assemble';
import { CancelledError, ChunkFailedError, InvalidOptionError } from './errors';
import { outputKind } from './output-type';
import { isAsyncIterable, isTable, openChunkSource } from './chunk-source';
import { validateCallOptions } from './plan-chunks';
import { runChunk } from './run-chunk';
import { schedule } from './scheduler';
import { defaultTimers } from './timers';
import type {
  BatchFunction, BatchOutput, CallInput, ChunkedCallOptions, ChunkedCallResult, ChunkPlan, ChunkProgressEvent, ResultSink,
} from './types';

export type EngineCallOptions = ChunkedCallOptions & {
  /** Arrow type of the `result` column. */
  outputType: DataType;
  /** Rows per output record batch (default 16,384). */
  batchRows?: number;
};

/** Wraps a caller's callback so that its bugs are reported, never failing a chunk or the call. */
function guarded<A extends unknown[]>(name: string, cb: ((...args: A) => void) | undefined) {
  return (...args: A) => {
    if (!cb) return;
    try {
      cb(...args);
    } catch (e) {
      console.error(`embedbook: ${name} threw; the call continues.`, e);
    }
  };
}

export function progressEmitter(onProgress: ((e: ChunkProgressEvent) => void) | undefined) {
  return guarded('onProgress', onProgress);
}

/** Checks one resumed chunk's output against its plan: same row count, or a clear error. */
function checkResumed(index: number, out: BatchOutput<unknown> | undefined, chunk: ChunkPlan | undefined, chunks: string): void {
  const hint = 'Resume with the same input rows and the same chunkSize/numChunks as the first run.';
  if (chunk === undefined || chunk.index !== index) {
    throw new InvalidOptionError('completed', `chunk ${index}`, `chunk indices ${chunks}`, hint);
  }
  if (out?.values?.length !== chunk.rows || (out.errors != null && out.errors.length !== chunk.rows)) {
    throw new InvalidOptionError('completed', `chunk ${index} with ${out?.values?.length} values`, `${chunk.rows} values for chunk ${index}`, hint);
  }
}

/** Resume data as a Map, checked against the plan when it is known (else as chunks are cut). */
function resumeMap<T>(completed: ChunkedCallOptions['completed'], plan: ChunkPlan[] | undefined): Map<number, BatchOutput<T>> {
  const done = new Map<number, BatchOutput<T>>();
  if (completed === undefined || completed === null) return done;
  if (!(completed instanceof Map)) {
    throw new InvalidOptionError('completed', completed, 'a Map<chunkIndex, BatchOutput> (e.g. CancelledError.completedChunks)');
  }
  for (const [index, out] of completed as ReadonlyMap<number, BatchOutput<T>>) {
    if (plan) checkResumed(index, out, plan[index], `0-${plan.length - 1}`);
    done.set(index, out);
  }
  return done;
}

function failedRowsOf(out: BatchOutput<unknown>): number {
  let n = 0;
  for (const e of out.errors ?? []) if (e !== null && e !== undefined) n++;
  return n;
}

function checkStreamOptions(opts: EngineCallOptions): { sink: ResultSink | undefined; skipChunks: number } {
  const { sink, skipChunks = 0 } = opts;
  if (sink !== undefined && !(typeof sink === 'object' && sink !== null && typeof sink.write === 'function')) {
    throw new InvalidOptionError('sink', sink, 'an object with write({ offset, table }) (may return a Promise)');
  }
  if (!(Number.isSafeInteger(skipChunks) && skipChunks >= 0)) {
    throw new InvalidOptionError('skipChunks', skipChunks, 'a non-negative integer (chunks an earlier run delivered to its sink)');
  }
  if (skipChunks > 0 && sink === undefined) {
    throw new InvalidOptionError('skipChunks', skipChunks, '0 without a sink', 'Skipped chunks have no results to return: pass a sink, or use `completed` to resume a Table result.');
  }
  return { sink, skipChunks };
}

/**
 * Runs `fn` over `args` (a Table, or an AsyncIterable of record batches read as it goes) in chunks.
 * Without a sink it returns a Table whose row i answers input row i; with `sink` the results are
 * written to it in input order as they become contiguous, holding at most `concurrentChunks` chunks.
 * Rejects with InvalidOptionError (bad options, before any call), CancelledError (signal aborted;
 * carries completedChunks for resuming — with a sink, those finished but not yet delivered), or
 * ChunkFailedError (onError: 'raise'). A failing input iterable or sink rejects with its error.
 */
export async function chunkedCall<T>(args: CallInput, fn: BatchFunction<T>, opts: EngineCallOptions): Promise<ChunkedCallResult> {
  if (!isTable(args) && !isAsyncIterable(args)) {
    throw new InvalidOptionError('args', args, 'an apache-arrow Table or an AsyncIterable<RecordBatch> (one column per argument)');
  }
  if (typeof fn !== 'function') throw new InvalidOptionError('fn', fn, 'a batch function (args: Table, ctx) => Promise<BatchOutput>');
  const resolved = validateCallOptions(opts);
  const kind = outputKind(opts.outputType);
  const { batchRows } = opts;
  if (batchRows !== undefined && !(Number.isSafeInteger(batchRows) && batchRows > 0)) {
    throw new InvalidOptionError('batchRows', batchRows, 'a positive integer (rows per output record batch)');
  }
  const { sink, skipChunks } = checkStreamOptions(opts);
  const source = openChunkSource(args, opts, opts.totalRows);
  const plan = source.plan;
  const done = resumeMap<T>(opts.completed, plan);
  if (plan && plan.length === 0) return { table: emptyResultTable(opts.outputType), failedRows: 0, chunks: 0, rows: 0 };

  const timers = opts.timers ?? defaultTimers;
  const emit = progressEmitter(opts.onProgress);
  const onChunkOutput = guarded('onChunkOutput', opts.onChunkOutput);
  const group = new AbortGroup();
  const cancel = () => group.abort(new CancelledError('call'));
  if (opts.signal?.aborted) cancel();
  else opts.signal?.addEventListener('abort', cancel, { once: true });

  const announce = (c: ChunkPlan) => {
    const prior = c.index < skipChunks ? { values: [] } : done.get(c.index);
    if (prior) emit({ status: 'done', chunk: c.index, offset: c.offset, rows: c.rows, attempt: 0, latencyMs: 0, failedRows: failedRowsOf(prior) });
    else emit({ status: 'queued', chunk: c.index, offset: c.offset, rows: c.rows });
  };
  if (plan) plan.forEach(announce);

  // Finished outputs waiting to be released: all of them without a sink, the window's with one.
  const outputs = new Map<number, { chunk: ChunkPlan; out: BatchOutput<T> }>();
  let released = skipChunks;
  let rows = 0;
  let failedRows = 0;
  let sinkFailed = false;
  const finished = (chunk: ChunkPlan, out: BatchOutput<T>) => {
    outputs.set(chunk.index, { chunk, out });
    failedRows += failedRowsOf(out);
  };
  const release = async (): Promise<number> => {
    if (!sink) {
      while (outputs.has(released)) released++;
      return released;
    }
    if (sinkFailed) return released;
    const parts: BatchOutput<T>[] = [];
    let offset: number | undefined;
    for (let i = released; outputs.has(i); i++) {
      const { chunk, out } = outputs.get(i)!;
      offset ??= chunk.offset;
      parts.push(out);
    }
    if (offset === undefined) return released;
    const table = assembleTable(opts.outputType, parts, batchRows);
    try {
      await sink.write({ offset, table });
    } catch (e) {
      sinkFailed = true;
      throw e;
    }
    for (let k = 0; k < parts.length; k++) outputs.delete(released++);
    rows += table.numRows;
    return released;
  };

  let outcome;
  try {
    outcome = await schedule({
      source,
      concurrency: resolved.concurrentChunks,
      window: sink ? resolved.concurrentChunks : Infinity,
      signal: group.signal,
      abort: (reason) => group.abort(reason),
      accept: ({ plan: chunk }) => {
        if (!plan) announce(chunk);
        if (chunk.index < skipChunks) {
          rows += chunk.rows;
          return false;
        }
        const prior = done.get(chunk.index);
        if (prior === undefined) return true;
        if (!plan) checkResumed(chunk.index, prior, chunk, 'of the input');
        done.delete(chunk.index);
        finished(chunk, prior);
        return false;
      },
      run: async ({ plan: chunk, args: chunkArgs }) => {
        const scope = group.child();
        try {
          const out = await runChunk(chunk, { fn, args: chunkArgs, base: chunk.offset, kind, opts: resolved, timers, signal: scope.signal, emit });
          finished(chunk, out);
          onChunkOutput(chunk, out);
        } finally {
          scope.release();
        }
      },
      release,
    });
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
  }
  for (const c of outcome.cancelled) emit({ status: 'cancelled', chunk: c.index, offset: c.offset, rows: c.rows });

  const kept = new Map<number, BatchOutput<T>>();
  for (const [i, { out }] of outputs) kept.set(i, out);
  const total = plan?.length ?? outcome.pulled;
  const f = outcome.failure;
  if (f instanceof ChunkFailedError) {
    throw new ChunkFailedError<T>(f.chunk, f.offset, f.rows, f.reason, f.failedRowIndices, kept, f.cause);
  }
  if (f !== undefined) throw f;
  // A known plan is complete once every chunk is released; a stream once it was read to its end.
  if ((!plan && !outcome.exhausted) || released < total) throw new CancelledError<T>('call', kept, total);

  if (sink) return { table: emptyResultTable(opts.outputType), failedRows, chunks: total, rows };
  const parts: BatchOutput<T>[] = [];
  for (let i = 0; i < total; i++) parts.push(outputs.get(i)!.out);
  const table = assembleTable(opts.outputType, parts, batchRows);
  return { table, failedRows, chunks: total, rows: table.numRows };
}
