// One try of a batch function over a row range, with the per-try timeout and the call's signal.
// The returned promise settles promptly on timeout or cancel even if the function ignores its
// signal: the engine must never hang on a misbehaving backend.
import type { Table } from 'apache-arrow';
import { sliceRows } from './arrow';
import { BatchOutputError, TimeoutError } from './errors';
import { valueProblem, type OutputKind } from './output-type';
import { OUTPUT_TYPE_CODE, toRowError } from './row-error';
import { abortReason } from './timers';
import type { BatchFunction, BatchOutput, RowError, TimerApi } from './types';

export interface AttemptSpec<T> {
  fn: BatchFunction<T>;
  args: Table;
  /** Input row of `args` row 0 (default 0); `offset` is an input row. */
  base?: number;
  chunkIndex: number;
  offset: number;
  rows: number;
  attempt: number;
  /** Seconds; undefined waits forever. */
  timeout: number | undefined;
  signal: AbortSignal;
  timers: TimerApi;
}

function rowRange(offset: number, rows: number): string {
  return `rows ${offset}-${offset + rows - 1}`;
}

/** Runs fn once; rejects with TimeoutError, the signal's reason, or whatever fn threw. */
export function attemptOnce<T>(s: AttemptSpec<T>): Promise<BatchOutput<T>> {
  if (s.signal.aborted) return Promise.reject(abortReason(s.signal));
  const ac = new AbortController();
  const forward = () => ac.abort(s.signal.reason);
  s.signal.addEventListener('abort', forward, { once: true });
  const timer =
    s.timeout === undefined
      ? undefined
      : s.timers.setTimeout(
          () => ac.abort(new TimeoutError(`chunk ${s.chunkIndex} (${rowRange(s.offset, s.rows)})`, s.timeout as number)),
          s.timeout * 1000,
        );
  return new Promise<BatchOutput<T>>((resolve, reject) => {
    ac.signal.addEventListener('abort', () => reject(abortReason(ac.signal)), { once: true });
    try {
      const input = sliceRows(s.args, s.offset - (s.base ?? 0), s.rows);
      Promise.resolve(s.fn(input, { signal: ac.signal, chunkIndex: s.chunkIndex, attempt: s.attempt })).then(resolve, reject);
    } catch (e) {
      reject(e); // a function that throws synchronously is a failed try, not an engine crash
    }
  }).finally(() => {
    if (timer !== undefined) s.timers.clearTimeout(timer);
    s.signal.removeEventListener('abort', forward);
  });
}

function lengthOf(x: unknown): number | null {
  return typeof x === 'object' && x !== null && typeof (x as { length?: unknown }).length === 'number'
    ? (x as { length: number }).length
    : null;
}

/**
 * Checks a function's output against its contract: throws BatchOutputError on a wrong number of
 * values/errors (a chunk-level failure, retried and isolated), and turns values that do not fit the
 * output type into row errors. Returns an output whose `errors` is always present, each a
 * RowError or null (plain texts become ROW_ERROR, core/row-error.ts).
 */
export function checkOutput<T>(out: BatchOutput<T>, rows: number, kind: OutputKind | undefined): BatchOutput<T> & {
  errors: ReadonlyArray<RowError | null>;
} {
  const nValues = lengthOf(out?.values);
  if (nValues !== rows) throw new BatchOutputError('values', nValues, rows);
  const given = out.errors;
  if (given !== undefined && given !== null && lengthOf(given) !== rows) {
    throw new BatchOutputError('errors', lengthOf(given), rows);
  }
  const errors: (RowError | null)[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const e = given?.[i];
    if (e === null || e === undefined) {
      const problem = kind ? valueProblem(kind, out.values[i]) : null;
      errors[i] = problem === null ? null : { code: OUTPUT_TYPE_CODE, message: problem };
    } else {
      errors[i] = toRowError(e === '' ? { message: '' } : e);
    }
  }
  return { values: out.values, errors };
}

export function countErrors(errors: ReadonlyArray<unknown>): number {
  let n = 0;
  for (const e of errors) if (e !== null) n++;
  return n;
}
