// EmbedFunction: the one shape of "a function you can call on a table" — a local model
// (LocalFunction), a function on a queue server (RemoteFunction), or any BatchFunction wrapped by
// functionFromBatch. The CLI, the Web Worker and library users all run this interface; how one
// batch runs (the BatchFunction) stays each implementation's own business.
import type { DataType, RecordBatch, Table } from 'apache-arrow';
import { chunkedCall } from './chunked-call';
import { deferBatch, type DeferBatchOptions } from './defer-batch';
import type { BatchFunction, BatchHandle, CallInput, ChunkedCallOptions, ChunkedCallResult, TimerApi } from './types';

export interface EmbedFunction<T = unknown> {
  /** The function's name, e.g. 'embed'. */
  readonly name: string;
  /** Arrow type of the `result` column every call returns. */
  readonly outputType: DataType;
  /**
   * Runs `args` (one column per argument; a Table or record batches read as the call goes) in
   * chunks: row i of `result` answers input row i, or the rows stream to `opts.sink` in input order.
   * Semantics (timeout, retries, isolation, cancel, `completed`, `skipChunks`) are the engine's:
   * see src/core/README.md and docs/client.md.
   */
  chunkedCall(args: CallInput, opts: ChunkedCallOptions): Promise<ChunkedCallResult>;
  /** Submits one batch now and returns a handle at once (get / cancel / status). */
  deferBatch(batch: Table | RecordBatch, opts?: Omit<DeferBatchOptions, 'outputType'>): BatchHandle<T>;
}

export interface FunctionFromBatchOptions {
  name: string;
  outputType: DataType;
  /** Default timers for every call (a call's own `timers` option wins). */
  timers?: TimerApi;
}

/** An EmbedFunction that runs `fn` on the engine: for backends with nothing to add around a batch. */
export function functionFromBatch<T>(fn: BatchFunction<T>, opts: FunctionFromBatchOptions): EmbedFunction<T> {
  const { name, outputType, timers } = opts;
  return {
    name,
    outputType,
    chunkedCall: (args, callOpts) => chunkedCall(args, fn, { timers, ...callOpts, outputType }),
    deferBatch: (batch, deferOpts = {}) => deferBatch(batch, fn, { timers, ...deferOpts, outputType }),
  };
}
