// The remote backend's BatchFunction: one chunk = one call on the server. Submit the chunk as an
// Arrow IPC stream, long-poll for the result, cancel the call on the server when the engine aborts
// (cancel or per-chunk timeout), and wait out 429s under the shared AIMD limiter.
import { DataType, type Table, type Vector } from 'apache-arrow';
import type { BatchFunction, BatchOutput, TimerApi } from '../core/types';
import { abortReason, defaultTimers, sleep } from '../core/timers';
import type { AdaptiveLimiter, Permit } from './adaptive-limiter';
import { QueueFullError, RateLimitedError, RemoteHttpError, RemoteProtocolError, UnknownFunctionError } from './errors';
import type { HttpTransport } from './http-transport';

export interface RemoteBatchOptions {
  transport: HttpTransport;
  functionName: string;
  limiter: AdaptiveLimiter;
  timers?: TimerApi;
  /** Seconds per long-poll request (default 30, the server's default; max 300). */
  pollSeconds?: number;
  /** Consecutive 429 answers one chunk waits out before failing with QueueFullError (default 50). */
  maxRateLimitWaits?: number;
  /** Called for each 429 waited out (for logs / progress UIs). */
  onRateLimited?: (info: { chunkIndex: number; retryAfterMs: number; limit: number }) => void;
}

/** Converts one cell of the server's `result` column to the plain value the engine assembles. */
function cellValue(v: unknown): unknown {
  // List cells come back as Vectors: hand the engine their typed array (e.g. Float32Array).
  if (v !== null && typeof v === 'object' && typeof (v as Vector).toArray === 'function' && 'type' in (v as object)) {
    return (v as Vector).toArray();
  }
  return v;
}

/** Turns the server's `result` + `status` table into the engine's BatchOutput, checking its shape. */
export function decodeCallResult<T>(table: Table, expectedRows: number, where: string): BatchOutput<T> {
  const result = table.getChild('result');
  const status = table.getChild('status');
  if (!result) {
    const names = table.schema.fields.map((f) => f.name).join(', ');
    throw new RemoteProtocolError(`${where}: the result table has no "result" column (columns: ${names || 'none'}).`);
  }
  if (table.numRows !== expectedRows) {
    throw new RemoteProtocolError(`${where}: the server returned ${table.numRows} rows for a call of ${expectedRows}; refusing to misplace rows.`);
  }
  const values = new Array<T | null>(expectedRows);
  const errors = new Array<string | null>(expectedRows);
  let anyError = false;
  const isList = DataType.isList(result.type) || DataType.isFixedSizeList(result.type);
  for (let i = 0; i < expectedRows; i++) {
    const s = status ? (status.get(i) as string | null) : 'ok';
    if (s === 'ok' || s === null) {
      const v = result.get(i);
      values[i] = (isList ? cellValue(v) : v) as T | null;
      errors[i] = null;
    } else {
      values[i] = null;
      errors[i] = String(s);
      anyError = true;
    }
  }
  return anyError ? { values, errors } : { values };
}

/** The two halves of a remote call, shared by the engine's BatchFunction and deferBatch handles. */
export interface RemoteCaller {
  /** Submits under the limiter, waiting out 429s; resolves once the server accepted the call. */
  submit(args: Table, signal: AbortSignal | undefined, chunkIndex: number): Promise<{ callId: string; permit: Permit }>;
  /** Long-polls until the result is back; on abort or failure cancels the call on the server. */
  await<T>(callId: string, rows: number, signal: AbortSignal | undefined, where: string): Promise<BatchOutput<T>>;
}

export function createRemoteCaller(opts: RemoteBatchOptions): RemoteCaller {
  const { transport, functionName, limiter } = opts;
  const timers = opts.timers ?? defaultTimers;
  const pollSeconds = Math.min(300, Math.max(1, opts.pollSeconds ?? 30));
  const maxWaits = opts.maxRateLimitWaits ?? 50;

  async function unknownFunction(cause: RemoteHttpError): Promise<Error> {
    try {
      const fns = await transport.listFunctions();
      return new UnknownFunctionError(functionName, fns.map((f) => f.name), transport.baseUrl);
    } catch {
      return cause;
    }
  }

  return {
    async submit(args, signal, chunkIndex) {
      for (let waits = 0; ; waits++) {
        const permit = await limiter.acquire(signal);
        try {
          // The POST is not aborted with the signal: the server answers it at once, and aborting
          // it mid-flight could leave a call running there whose id we never learn (so could
          // never DELETE). The engine stops waiting on abort anyway; we cancel what was created.
          const { callId } = await transport.submit(functionName, args);
          if (signal?.aborted) {
            permit.release();
            transport.cancel(callId).catch(() => undefined);
            throw abortReason(signal);
          }
          permit.accepted();
          return { callId, permit };
        } catch (err) {
          if (signal?.aborted) {
            permit.release();
            throw err;
          }
          permit.release();
          if (err instanceof RateLimitedError) {
            permit.rateLimited();
            if (waits >= maxWaits) throw new QueueFullError(functionName, waits, transport.baseUrl);
            opts.onRateLimited?.({ chunkIndex, retryAfterMs: err.retryAfterMs, limit: limiter.limit });
            await sleep(err.retryAfterMs, timers, signal);
            continue;
          }
          if (err instanceof RemoteHttpError && err.status === 404) throw await unknownFunction(err);
          throw err;
        }
      }
    },
    async await<T>(callId: string, rows: number, signal: AbortSignal | undefined, where: string) {
      try {
        for (;;) {
          const r = await transport.poll(callId, pollSeconds, signal);
          if (r.done) return decodeCallResult<T>(r.table, rows, where);
        }
      } catch (err) {
        // Cancel, per-chunk timeout, or a failed poll: free the server's workers for this call.
        // Fire and forget: the engine must not wait on the network to honour a cancel.
        transport.cancel(callId).catch(() => undefined);
        throw err;
      }
    },
  };
}

/** The remote backend as an engine BatchFunction: one chunk = one call on the server. */
export function createRemoteBatchFunction<T>(caller: RemoteCaller, functionName: string): BatchFunction<T> {
  return async (args, ctx) => {
    const { callId, permit } = await caller.submit(args, ctx.signal, ctx.chunkIndex);
    try {
      return await caller.await<T>(callId, args.numRows, ctx.signal, `call ${callId} of "${functionName}" (chunk ${ctx.chunkIndex})`);
    } finally {
      permit.release();
    }
  };
}
