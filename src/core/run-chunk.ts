// One chunk from start to finish: tries with timeout, retries with backoff and jitter, then (when
// it still fails) failure isolation by bisection. Emits the chunk's progress events.
//
// Why one try per bisected half (no per-half retries): the whole chunk already failed
// `retries + 1` times, so the failure is most likely caused by the data (a bad row), not a blip.
// Retrying every half would multiply the cost of isolation by (retries + 1) for no gain; a
// transient failure that does hit a half only costs that half's rows a wrong status, and bisection
// keeps going, so good rows in the other half are still kept. A chunk of n rows with one bad row
// costs about 2·log2(n) extra calls; a chunk where every row fails costs 2n − 1 calls (the price of
// proving each row bad). Halves run one after another inside the chunk's concurrency slot, so the
// concurrentChunks bound also holds during isolation.
import type { Table } from 'apache-arrow';
import { attemptOnce, checkOutput, countErrors } from './attempt';
import { backoffDelayMs } from './backoff';
import { ChunkFailedError, describeError } from './errors';
import type { OutputKind } from './output-type';
import type { ResolvedCallOptions } from './plan-chunks';
import { abortReason, sleep } from './timers';
import type { BatchFunction, BatchOutput, ChunkPlan, ChunkProgressEvent, TimerApi } from './types';

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

type Checked<T> = BatchOutput<T> & { errors: ReadonlyArray<string | null> };

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
      const first = out.errors.find((e) => e !== null) as string;
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
  for (let tries = 0; tries <= retries; tries++) {
    r.emit({ status: 'running', chunk: index, offset, rows, attempt: attempt + 1 });
    try {
      return finish(await tryRange(offset, rows));
    } catch (e) {
      if (e instanceof ChunkFailedError) throw e;
      if (r.signal.aborted) throw abortReason(r.signal);
      lastError = e;
    }
    if (tries < retries) {
      const delayMs = backoffDelayMs(attempt, r.opts.backoffMs, r.timers.random);
      r.emit({ status: 'retrying', chunk: index, offset, rows, attempt: attempt + 1, error: describeError(lastError), delayMs });
      await sleep(delayMs, r.timers, r.signal);
    }
  }
  if (onError === 'raise') {
    const reason = `${describeError(lastError)} (after ${attempt} ${attempt === 1 ? 'try' : 'tries'})`;
    r.emit({ status: 'failed', chunk: index, offset, rows, attempt, latencyMs: r.timers.now() - started, error: reason });
    throw new ChunkFailedError(index, offset, rows, reason, [], new Map(), lastError);
  }

  /** Splits a failed range in two and tries each half once, recursing into halves that fail. */
  const isolate = async (off: number, n: number, cause: unknown): Promise<Checked<T>> => {
    if (n === 1) return { values: [null], errors: [describeError(cause)] };
    const left = Math.ceil(n / 2);
    const parts: Checked<T>[] = [];
    for (const [o, m] of [[off, left], [off + left, n - left]] as const) {
      try {
        parts.push(await tryRange(o, m));
      } catch (e) {
        if (r.signal.aborted) throw abortReason(r.signal);
        parts.push(await isolate(o, m, e));
      }
    }
    return { values: [...parts[0].values, ...parts[1].values], errors: [...parts[0].errors, ...parts[1].errors] };
  };
  return finish(await isolate(offset, rows, lastError));
}

