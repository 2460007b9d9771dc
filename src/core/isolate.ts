// Failure isolation by bisection, shared by the engine (a chunk whose retries are spent) and the
// server batcher (a batch whose retries are spent): which rows of a failed range are bad?
//
// THE RULE (one for the whole project): a failed range is split and its parts are tried ONE AFTER
// ANOTHER, each once, inside the slot the failed range held. Parts that fail are split again,
// down to single rows, which get the failure as their outcome.
//
// Why one after another (not Promise.all): the slot is what the concurrency bound counts
// (`concurrentChunks` in the engine, the worker pool's capacity in the server). Trying the halves
// together would double the work in flight exactly when something is failing — for an
// out-of-memory or overloaded backend that makes the failure worse, and every row-by-row split
// would flood the pool with single-row batches. The price is latency during isolation (the halves
// of one range do not overlap); it is paid only by ranges that already failed.
//
// Why one try per part (no per-part retries): the whole range already failed `retries + 1` times,
// so the cause is almost surely the data; retrying parts would multiply the cost for nothing.
// Cost: about 2·log2(n) extra tries for one bad row in n, at most 2n − 2 when every row fails.

/** How a failed range is split: in halves (default), or into single rows at once. */
type SplitMode = 'halves' | 'rows';

export interface IsolateOptions<P> {
  /** Tries rows [offset, offset + count) once; rejects when the try failed as a whole. */
  run(offset: number, count: number): Promise<P>;
  /** The outcome of rows [offset, offset + count) that failed with `cause` and are not split further. */
  fail(offset: number, count: number, cause: unknown): P;
  /** Joins the outcomes of consecutive parts, in row order. */
  concat(parts: P[]): P;
  /**
   * Decides, per failure, how to go on (default 'halves'): 'rows' tries each row alone (a failure
   * that costs a whole deadline), 'stop' fails the range as it is (e.g. shutting down). A thrown
   * error (e.g. the call was cancelled) ends the isolation with it.
   */
  split?(cause: unknown, count: number): SplitMode | 'stop';
}

/**
 * Isolates the bad rows of the failed range [offset, offset + count) that failed with `cause`.
 * Resolves with the joined outcomes of its parts, in row order.
 */
export async function isolateFailures<P>(offset: number, count: number, cause: unknown, o: IsolateOptions<P>): Promise<P> {
  const mode = o.split ? o.split(cause, count) : 'halves';
  if (count <= 1 || mode === 'stop') return o.fail(offset, count, cause);
  const parts: Array<[number, number]> = [];
  if (mode === 'rows') {
    for (let i = 0; i < count; i++) parts.push([offset + i, 1]);
  } else {
    const left = Math.ceil(count / 2);
    parts.push([offset, left], [offset + left, count - left]);
  }
  const outs: P[] = [];
  for (const [off, n] of parts) {
    let out: P;
    try {
      out = await o.run(off, n);
    } catch (e) {
      out = await isolateFailures(off, n, e, o);
    }
    outs.push(out);
  }
  return o.concat(outs);
}
