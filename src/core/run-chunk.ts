// One chunk from start to finish: tries with timeout, retries with backoff and jitter (retry.ts),
// then (when it still fails) failure isolation by bisection (isolate.ts, whose header states the
// one rule: halves one after another inside the chunk's slot, one try each). Emits the chunk's
// progress events.
import type { Table } from 'apache-arrow';
import { attemptOnce, checkOutput, countErrors } from './attempt';
import { ChunkFailedError, describeError } from './errors';
import { isolateFailures } from './isolate';
import type { OutputKind } from './output-type';
import type { ResolvedCallOptions } from './plan-chunks';
import { retry } from './retry';
import { rowErrorFrom } from './row-error';
import { abortReason } from './timers';
import type { BatchFunction, BatchOutput, ChunkPlan, ChunkProgressEvent, RowError, TimerApi } from './types';

export interface ChunkRunner<T> {
  fn: BatchFunction<T>;
  args: Table;
  /** Input row of `args` row 0 (a chunk's own rows start at its offset). */
  base?: number;
  /** Output type check per row; undefined skips it. */
  kind: OutputKind | undefined;
  opts: ResolvedCallOptions;
  timers: TimerApi;
  /** The call's signal: aborted on cancel (and when another chunk raises). */
  signal: AbortSignal;
  emit: (event: ChunkProgressEvent) => void;
}

type Checked<T> = BatchOutput<T> & { errors: ReadonlyArray<RowError | null> };

/**
 * Runs one chunk. Resolves with one value and one error-or-null per row. Rejects with the signal's
 * reason (a CancelledError) when cancelled, or ChunkFailedError under onError: 'raise'.
 * Terminal events: 'done' (failedRows may be > 0), 'failed' (every row failed, or 'raise').
 * 'cancelled' is the scheduler's to emit. latencyMs runs from the first try to the terminal event.
 */
export async function runChunk<T>(chunk: ChunkPlan, r: ChunkRunner<T>): Promise<Checked<T>> {
  const { index, offset, rows } = chunk;
  const { retries, onError } = r.opts;
  const started = r.timers.now();
  let attempt = 0;
  const tryRange = async (off: number, n: number) =>
    checkOutput(
      await attemptOnce({
        fn: r.fn, args: r.args, base: r.base, chunkIndex: index, offset: off, rows: n, attempt: ++attempt,
        timeout: r.opts.timeout, signal: r.signal, timers: r.timers,
      }),
      n,
      r.kind,
    );
  const finish = (out: Checked<T>) => {
    const failedRows = countErrors(out.errors);
    const latencyMs = r.timers.now() - started;
    if (failedRows > 0 && (onError === 'raise' || failedRows === rows)) {
      const first = (out.errors.find((e) => e !== null) as RowError).message;
      r.emit({ status: 'failed', chunk: index, offset, rows, attempt, latencyMs, error: first });
      if (onError === 'raise') {
        const bad: number[] = [];
        out.errors.forEach((e, i) => e !== null && bad.push(offset + i));
        throw new ChunkFailedError(index, offset, rows, first, bad);
      }
    } else {
      r.emit({ status: 'done', chunk: index, offset, rows, attempt, latencyMs, failedRows });
    }
    return out;
  };

  let lastError: unknown;
  try {
    const out = await retry(
      () => {
        r.emit({ status: 'running', chunk: index, offset, rows, attempt: attempt + 1 });
        return tryRange(offset, rows);
      },
      {
        policy: { retries, baseMs: r.opts.backoffMs },
        timers: r.timers,
        signal: r.signal,
        decide: () => (r.signal.aborted ? 'stop' : 'retry'),
        onRetry: ({ attempt: next, error, delayMs }) =>
          r.emit({ status: 'retrying', chunk: index, offset, rows, attempt: next, error: describeError(error), delayMs }),
      },
    );
    return finish(out);
  } catch (e) {
    if (e instanceof ChunkFailedError) throw e;
    if (r.signal.aborted) throw abortReason(r.signal);
    lastError = e;
  }
  if (onError === 'raise') {
    const reason = `${describeError(lastError)} (after ${attempt} ${attempt === 1 ? 'try' : 'tries'})`;
    r.emit({ status: 'failed', chunk: index, offset, rows, attempt, latencyMs: r.timers.now() - started, error: reason });
    throw new ChunkFailedError(index, offset, rows, reason, [], new Map(), lastError);
  }

  const isolated = await isolateFailures<Checked<T>>(offset, rows, lastError, {
    run: tryRange,
    fail: (_off, n, cause) => ({ values: new Array<null>(n).fill(null), errors: new Array<RowError>(n).fill(rowErrorFrom(cause)) }),
    concat: (parts) => ({ values: parts.flatMap((p) => p.values), errors: parts.flatMap((p) => p.errors) }),
    split: () => {
      if (r.signal.aborted) throw abortReason(r.signal);
      return 'halves';
    },
  });
  return finish(isolated);
}
