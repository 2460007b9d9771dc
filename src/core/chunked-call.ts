// chunkedCall: plan → schedule (≤ concurrentChunks) → per-chunk retries/isolation → ordered
// assembly. Generic over any BatchFunction; backends only know how to run one batch.
import type { DataType, Table } from 'apache-arrow';
import { AbortGroup } from './abort-group';
import { assembleTable, emptyResultTable } from './assemble';
import { countErrors } from './attempt';
import { CancelledError, ChunkFailedError, InvalidOptionError } from './errors';
import { outputKind } from './output-type';
import { planChunks, validateCallOptions } from './plan-chunks';
import { runChunk } from './run-chunk';
import { schedule } from './scheduler';
import { defaultTimers } from './timers';
import type { BatchFunction, BatchOutput, ChunkedCallOptions, ChunkedCallResult, ChunkPlan, ChunkProgressEvent } from './types';

export type EngineCallOptions = ChunkedCallOptions & {
  /** Arrow type of the `result` column. */
  outputType: DataType;
  /** Rows per output record batch (default 16,384). */
  batchRows?: number;
};

/** Wraps a caller's callback so that its bugs are reported, never failing a chunk or the call. */
export function guarded<A extends unknown[]>(name: string, cb: ((...args: A) => void) | undefined) {
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

function isTable(t: unknown): t is Table {
  return typeof t === 'object' && t !== null && typeof (t as Table).numRows === 'number' && typeof (t as Table).slice === 'function';
}

/** Checks resume data against the plan: same chunk indices and row counts, or a clear error. */
function resumeMap<T>(completed: ChunkedCallOptions['completed'], plan: ChunkPlan[]): Map<number, BatchOutput<T>> {
  const done = new Map<number, BatchOutput<T>>();
  if (completed === undefined || completed === null) return done;
  if (!(completed instanceof Map)) {
    throw new InvalidOptionError('completed', completed, 'a Map<chunkIndex, BatchOutput> (e.g. CancelledError.completedChunks)');
  }
  for (const [index, out] of completed as ReadonlyMap<number, BatchOutput<T>>) {
    const chunk = plan[index];
    if (chunk === undefined || chunk.index !== index) {
      throw new InvalidOptionError('completed', `chunk ${index}`, `chunk indices 0-${plan.length - 1}`,
        'Resume with the same input rows and the same chunkSize/numChunks as the first run.');
    }
    if (out?.values?.length !== chunk.rows || (out.errors != null && out.errors.length !== chunk.rows)) {
      throw new InvalidOptionError('completed', `chunk ${index} with ${out?.values?.length} values`,
        `${chunk.rows} values for chunk ${index}`,
        'Resume with the same input rows and the same chunkSize/numChunks as the first run.');
    }
    done.set(index, out);
  }
  return done;
}

/**
 * Runs `fn` over `args` in chunks and returns a Table whose row i answers input row i.
 * Rejects with InvalidOptionError (bad options, before any call), CancelledError (signal aborted;
 * carries completedChunks for resuming), or ChunkFailedError (onError: 'raise').
 */
export async function chunkedCall<T>(args: Table, fn: BatchFunction<T>, opts: EngineCallOptions): Promise<ChunkedCallResult> {
  if (!isTable(args)) throw new InvalidOptionError('args', args, 'an apache-arrow Table (one column per argument)');
  if (typeof fn !== 'function') throw new InvalidOptionError('fn', fn, 'a batch function (args: Table, ctx) => Promise<BatchOutput>');
  const resolved = validateCallOptions(opts);
  const kind = outputKind(opts.outputType);
  const { batchRows } = opts;
  if (batchRows !== undefined && !(Number.isSafeInteger(batchRows) && batchRows > 0)) {
    throw new InvalidOptionError('batchRows', batchRows, 'a positive integer (rows per output record batch)');
  }
  const plan = planChunks(args.numRows, opts);
  const done = resumeMap<T>(opts.completed, plan);
  if (plan.length === 0) return { table: emptyResultTable(opts.outputType), failedRows: 0, chunks: 0 };

  const timers = opts.timers ?? defaultTimers;
  const emit = progressEmitter(opts.onProgress);
  const onChunkOutput = guarded('onChunkOutput', opts.onChunkOutput);
  const group = new AbortGroup();
  const cancel = () => group.abort(new CancelledError('call'));
  if (opts.signal?.aborted) cancel();
  else opts.signal?.addEventListener('abort', cancel, { once: true });

  for (const c of plan) {
    const prior = done.get(c.index);
    if (prior) {
      const failedRows = prior.errors ? countErrors(prior.errors.map((e) => e ?? null)) : 0;
      emit({ status: 'done', chunk: c.index, offset: c.offset, rows: c.rows, attempt: 0, latencyMs: 0, failedRows });
    } else {
      emit({ status: 'queued', chunk: c.index, offset: c.offset, rows: c.rows });
    }
  }

  let outcome;
  try {
    outcome = await schedule({
      chunks: plan.filter((c) => !done.has(c.index)),
      concurrency: resolved.concurrentChunks,
      signal: group.signal,
      abort: (reason) => group.abort(reason),
      run: async (chunk) => {
        const scope = group.child();
        try {
          const out = await runChunk(chunk, { fn, args, kind, opts: resolved, timers, signal: scope.signal, emit });
          done.set(chunk.index, out);
          onChunkOutput(chunk, out);
          return out;
        } finally {
          scope.release();
        }
      },
    });
  } finally {
    opts.signal?.removeEventListener('abort', cancel);
  }
  for (const c of outcome.cancelled) emit({ status: 'cancelled', chunk: c.index, offset: c.offset, rows: c.rows });

  const f = outcome.failure;
  if (f instanceof ChunkFailedError) {
    throw new ChunkFailedError<T>(f.chunk, f.offset, f.rows, f.reason, f.failedRowIndices, done, f.cause);
  }
  if (f !== undefined) throw f;
  if (done.size < plan.length) throw new CancelledError<T>('call', done, plan.length);

  const parts = plan.map((c) => done.get(c.index) as BatchOutput<T>);
  let failedRows = 0;
  for (const p of parts) if (p.errors) failedRows += countErrors(p.errors.map((e) => e ?? null));
  return { table: assembleTable(opts.outputType, parts, batchRows), failedRows, chunks: plan.length };
}
