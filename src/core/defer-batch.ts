// deferBatch: submit one batch, get a handle back at once. The batch runs through the same
// per-chunk machinery as chunkedCall (timeout, retries, isolation, cancel) as a single chunk.
import type { DataType, RecordBatch, Table } from 'apache-arrow';
import { asTable } from './arrow';
import { CancelledError, InvalidOptionError, TimeoutError } from './errors';
import { progressEmitter } from './chunked-call';
import { outputKind } from './output-type';
import { TIMEOUT_ALLOWED, isTimeoutSeconds, validateCallOptions } from './plan-chunks';
import { runChunk } from './run-chunk';
import { defaultTimers } from './timers';
import type { BatchFunction, BatchHandle, BatchHandleStatus, BatchOutput, ChunkedCallOptions } from './types';

export type DeferBatchOptions = Pick<
  ChunkedCallOptions,
  'timeout' | 'retries' | 'backoffMs' | 'signal' | 'onProgress' | 'onError' | 'timers'
> & {
  /** When given, each value is checked against it (bad values become row errors). */
  outputType?: DataType;
  /** Handle id; generated when absent. */
  id?: string;
};

let counter = 0;

/**
 * Starts running `fn` over `batch` on the next microtask and returns a handle at once.
 * handle.get({ timeout }) rejects with TimeoutError after `timeout` seconds while the work keeps
 * running; handle.cancel() aborts it (get() then rejects with CancelledError).
 */
export function deferBatch<T>(batch: Table | RecordBatch, fn: BatchFunction<T>, opts: DeferBatchOptions = {}): BatchHandle<T> {
  const resolved = validateCallOptions(opts);
  const kind = opts.outputType === undefined ? undefined : outputKind(opts.outputType);
  const table = asTable(batch);
  const timers = opts.timers ?? defaultTimers;
  const id = opts.id ?? `batch-${++counter}-${Math.floor(timers.random() * 2 ** 32).toString(36)}`;
  const controller = new AbortController();
  const cancel = () => controller.abort(new CancelledError(`batch ${id}`));
  if (opts.signal?.aborted) cancel();
  else opts.signal?.addEventListener('abort', cancel, { once: true });

  let status: BatchHandleStatus = 'pending';
  const work: Promise<BatchOutput<T>> = Promise.resolve().then(async () => {
    try {
      if (controller.signal.aborted) throw controller.signal.reason;
      status = 'running';
      const rows = table.numRows;
      if (rows === 0) return { values: [], errors: [] };
      return await runChunk({ index: 0, offset: 0, rows }, {
        fn, args: table, kind, opts: resolved, timers, signal: controller.signal, emit: progressEmitter(opts.onProgress),
      });
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
    }
  });
  work.then(
    () => { status = 'done'; },
    (e) => { status = e instanceof CancelledError ? 'cancelled' : 'failed'; },
  ); // also marks the rejection handled: nobody has to call get()

  return {
    id,
    get status() {
      return status;
    },
    cancel,
    get(getOpts = {}) {
      const { timeout } = getOpts;
      if (timeout === undefined || timeout === null) return work;
      if (!isTimeoutSeconds(timeout)) return Promise.reject(new InvalidOptionError('timeout', timeout, TIMEOUT_ALLOWED));
      return new Promise<BatchOutput<T>>((resolve, reject) => {
        const timer = timers.setTimeout(
          () => reject(new TimeoutError(`batch ${id}`, timeout,
            'The work keeps running: call get() again to keep waiting, or cancel() to stop it.')),
          timeout * 1000,
        );
        work.then(resolve, reject).finally(() => timers.clearTimeout(timer));
      });
    },
  };
}
