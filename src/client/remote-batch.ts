// The remote backend's BatchFunction: one chunk = one call on the server. Submit the chunk as an
// Arrow IPC stream with `?wait=S` (a fast chunk comes back in that one round trip), long-poll for the
// result otherwise, cancel the call on the server when the engine aborts (cancel or per-chunk
// timeout), wait out 429s under the shared AIMD limiter (keeping the server's place-in-line ticket
// across retries) and 503 StoreUnavailableError (store outage)
// without spending the chunk's retries, and submit the chunk again when the server's store lost
// the call (410 CallLostError: Redis restarted empty) — its rows are pure, so finished chunks stay.
import { DataType, type Table, type Vector } from 'apache-arrow';
import { isWireBatch, type CallAnswer } from './call-codec';
import { listValue, utf8Value, utf8Values, type Utf8Column, type WireBatch } from '../wire/columns';
import type { BatchFunction, BatchOutput, RowError, TimerApi } from '../core/types';
import { ERROR_CODE_COLUMN } from '../core/assemble';
import { toRowError } from '../core/row-error';
import { abortReason, defaultTimers } from '../core/timers';
import { retry, type RetryPolicy } from '../core/retry';
import type { AdaptiveLimiter, Permit } from './adaptive-limiter';
import { CallLostError, CallLostTooOftenError, QueueFullError, QueueStayedFullError, RemoteHttpError, RemoteProtocolError, ServerUnavailableError, StoreUnavailableError, UnknownFunctionError } from './errors';
import type { HttpTransport } from './http-transport';

export interface RemoteBatchOptions {
  transport: HttpTransport;
  functionName: string;
  limiter: AdaptiveLimiter;
  timers?: TimerApi;
  /** Seconds per long-poll request (default 30, the server's default; max 300). */
  pollSeconds?: number;
  /** Consecutive 429 answers one chunk waits out before failing with QueueStayedFullError (default 50). */
  maxRateLimitWaits?: number;
  /** 503 StoreUnavailableError answers one chunk waits out before failing with ServerUnavailableError (default 12). */
  maxStoreWaits?: number;
  /** Seconds the POST may wait for the result (`?wait=S`, default = pollSeconds; 0 turns it off). */
  submitWaitSeconds?: number;
  /** Times one chunk is submitted again after its call was lost by the server's store (410; default 5). */
  maxLostResubmits?: number;
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

/** A call answer's `result`, `status` and `error_code` cells, whichever reader decoded it (undefined: no such column). */
interface AnswerCells {
  names: string[];
  rows: number;
  result?: (i: number) => unknown;
  status?: (i: number) => string | null;
  code?: (i: number) => string | null;
}

/**
 * A utf8 column's cells, every one decoded on the first read (one text decode for the usual
 * all-ASCII column, not one per row); none when no row is read (the error codes of an all-ok answer).
 */
function statusCells(column: Utf8Column): (i: number) => string | null {
  let statuses: (string | null)[] | undefined;
  return (i) => (statuses ??= utf8Values(column))[i];
}

const OK = 'ok';

/** Whether every row's status is 'ok' (the usual answer), read off the bytes: no strings are made. */
function allOk(column: Utf8Column): boolean {
  if (column.nullCount > 0) return false;
  const { offsets, data } = column;
  for (let i = 0; i < column.length; i++) {
    const at = offsets[i];
    if (offsets[i + 1] - at !== 2 || data[at] !== 0x6f || data[at + 1] !== 0x6b) return false;
  }
  return true;
}

function wireCells(batch: WireBatch): AnswerCells {
  const result = batch.columns.find((c) => c.name === 'result');
  const status = batch.columns.find((c) => c.name === 'status');
  const code = batch.columns.find((c) => c.name === ERROR_CODE_COLUMN);
  return {
    names: batch.columns.map((c) => c.name),
    rows: batch.rows,
    result: result && ((i) => (result.type === 'utf8' ? utf8Value(result, i) : listValue(result, i))),
    // A status column of another type is not one the server sends: such rows read as ok.
    status: status?.type !== 'utf8' ? undefined : allOk(status) ? () => OK : statusCells(status),
    code: code?.type === 'utf8' ? statusCells(code) : undefined,
  };
}

const nullableString = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function tableCells(table: Table): AnswerCells {
  const result = table.getChild('result');
  const status = table.getChild('status');
  const code = table.getChild(ERROR_CODE_COLUMN);
  const isList = result !== null && (DataType.isList(result.type) || DataType.isFixedSizeList(result.type));
  return {
    names: table.schema.fields.map((f) => f.name),
    rows: table.numRows,
    result: result ? (i) => (isList ? cellValue(result.get(i)) : result.get(i)) : undefined,
    status: status ? (i) => nullableString(status.get(i)) : undefined,
    code: code ? (i) => nullableString(code.get(i)) : undefined,
  };
}

/**
 * Turns the server's `result` + `status` + `error_code` answer into the engine's BatchOutput,
 * checking its shape: a failed row's error is `{ code, message }` (a server without `error_code`,
 * or a code that is no short identifier: ROW_ERROR, core/row-error.ts).
 */
export function decodeCallResult<T>(answer: CallAnswer, expectedRows: number, where: string): BatchOutput<T> {
  const cells = isWireBatch(answer) ? wireCells(answer) : tableCells(answer);
  const { result, status } = cells;
  if (!result) {
    throw new RemoteProtocolError(`${where}: the result table has no "result" column (columns: ${cells.names.join(', ') || 'none'}).`);
  }
  if (cells.rows !== expectedRows) {
    throw new RemoteProtocolError(`${where}: the server returned ${cells.rows} rows for a call of ${expectedRows}; refusing to misplace rows.`);
  }
  const values = new Array<T | null>(expectedRows);
  const errors = new Array<RowError | null>(expectedRows);
  let anyError = false;
  for (let i = 0; i < expectedRows; i++) {
    const s = status ? status(i) : 'ok';
    if (s === 'ok' || s === null) {
      values[i] = result(i) as T | null;
      errors[i] = null;
    } else {
      values[i] = null;
      errors[i] = toRowError({ code: cells.code?.(i), message: s });
      anyError = true;
    }
  }
  return anyError ? { values, errors } : { values };
}

/** The two halves of a remote call, shared by the engine's BatchFunction and deferBatch handles. */
export interface RemoteCaller {
  /** The server, for messages. */
  readonly url: string;
  /** How often a chunk whose call the store lost (410) is submitted again before giving up. */
  readonly maxLostResubmits: number;
  /**
   * Submits under the limiter, waiting out 429s and 503s; resolves once the server accepted the call,
   * with its result `table` when it finished within the `?wait` (`waitS()` seconds, read just before
   * each POST; undefined or ≤ 0 sends a plain submit).
   */
  submit(args: Table, signal: AbortSignal | undefined, chunkIndex: number, waitS?: () => number | undefined): Promise<{ callId: string; permit: Permit; table?: CallAnswer }>;
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

  const maxStoreWaits = opts.maxStoreWaits ?? 12;
  const submitWait = opts.submitWaitSeconds ?? pollSeconds;

  /**
   * One 503 StoreUnavailableError: the wait its Retry-After asks for (capped, so a wild header cannot
   * park a chunk), or ServerUnavailableError once `waits` reaches the bound. Does not count as a
   * try of the chunk: the rows never ran.
   */
  function storeWaitMs(err: StoreUnavailableError, state: { waits: number; waitedMs: number }): number {
    if (state.waits >= maxStoreWaits) throw new ServerUnavailableError(functionName, state.waits, state.waitedMs, transport.baseUrl, err.message);
    const ms = Math.min(MAX_STORE_WAIT_MS, err.retryAfterMs);
    state.waits++;
    state.waitedMs += ms;
    return ms;
  }

  return {
    url: transport.baseUrl,
    maxLostResubmits: opts.maxLostResubmits ?? 5,
    async submit(args, signal, chunkIndex, waitS) {
      const store = { waits: 0, waitedMs: 0 };
      // The server's place in line for this chunk after a 429: sent back so it goes before newer ones.
      let ticket: string | undefined;
      let waits = 0;
      const once = async () => {
        const permit = await limiter.acquire(signal);
        try {
          const w = submitWait > 0 ? waitS?.() : undefined;
          const wait = w === undefined ? undefined : Math.min(submitWait, w);
          // The POST is not aborted with the signal: aborting it mid-flight could leave a call
          // running on the server whose id we never learn (so could never DELETE). Instead the
          // chunk stops waiting on abort at once, and the call is cancelled as soon as its id comes
          // (with ?wait=S: when the call finishes or S passes, whichever is first).
          const sent = transport.submit(functionName, args, undefined, wait !== undefined && wait >= 0.001 ? wait : undefined, ticket);
          void sent.then((r) => {
            if (signal?.aborted) transport.cancel(r.callId).catch(() => undefined);
          }, () => undefined);
          const out = await untilAborted(sent, signal);
          permit.accepted();
          return { callId: out.callId, permit, table: out.table };
        } catch (err) {
          permit.release();
          if (err instanceof QueueFullError && !signal?.aborted) permit.rateLimited();
          throw err;
        }
      };
      try {
        // 429s and 503s are waited out for as long as the server asks, within their own bounds; any
        // other failure is the engine's to retry (it counts as a try of the chunk).
        return await retry(once, {
          policy: SERVER_WAITS_ONLY,
          timers,
          signal,
          decide: (err) => {
            if (signal?.aborted) return 'stop';
            if (err instanceof QueueFullError) {
              if (waits >= maxWaits) throw new QueueStayedFullError(functionName, waits, transport.baseUrl);
              waits++;
              ticket = err.ticket ?? ticket;
              opts.onRateLimited?.({ chunkIndex, retryAfterMs: err.retryAfterMs, limit: limiter.limit });
              return { delayMs: err.retryAfterMs };
            }
            if (err instanceof StoreUnavailableError) return { delayMs: storeWaitMs(err, store) };
            return 'stop';
          },
        });
      } catch (err) {
        if (!signal?.aborted && err instanceof RemoteHttpError && err.status === 404) throw await unknownFunction(err);
        throw err;
      }
    },
    async await<T>(callId: string, rows: number, signal: AbortSignal | undefined, where: string) {
      const store = { waits: 0, waitedMs: 0 };
      try {
        for (;;) {
          const r = await retry(() => transport.poll(callId, pollSeconds, signal), {
            policy: SERVER_WAITS_ONLY,
            timers,
            signal,
            decide: (err) => (err instanceof StoreUnavailableError && !signal?.aborted ? { delayMs: storeWaitMs(err, store) } : 'stop'),
          });
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

/** Only the waits the server asks for (429, 503 Retry-After): no backoff retries of their own. */
const SERVER_WAITS_ONLY: RetryPolicy = { retries: 0, baseMs: 0 };

/** Longest single wait on a 503's Retry-After (the server sends 5 s). */
const MAX_STORE_WAIT_MS = 30_000;

/** `p`, or the signal's abort reason as soon as it aborts (p keeps running). */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

export interface RemoteBatchFunctionOptions {
  /** The engine's per-chunk timeout in seconds: bounds the `?wait` so the POST ends before it. */
  timeoutS?: number;
  timers?: TimerApi;
}

/**
 * The remote backend as an engine BatchFunction: one chunk = one call on the server. The submit
 * carries `?wait=S`, S = min(time left of the chunk's timeout, the poll interval), so a fast chunk
 * is one round trip; a slower one goes on with the long-poll GET.
 */
export function createRemoteBatchFunction<T>(caller: RemoteCaller, functionName: string, opts: RemoteBatchFunctionOptions = {}): BatchFunction<T> {
  const timers = opts.timers ?? defaultTimers;
  return async (args, ctx) => {
    const t0 = timers.now();
    const waitS = () => (opts.timeoutS === undefined ? Infinity : opts.timeoutS - (timers.now() - t0) / 1000);
    for (let lost = 0; ; lost++) {
      try {
        const { callId, permit, table } = await caller.submit(args, ctx.signal, ctx.chunkIndex, waitS);
        const where = `call ${callId} of "${functionName}" (chunk ${ctx.chunkIndex})`;
        try {
          if (table) return decodeCallResult<T>(table, args.numRows, where);
          return await caller.await<T>(callId, args.numRows, ctx.signal, where);
        } finally {
          permit.release();
        }
      } catch (err) {
        // The store lost the call (restarted empty): the rows are pure, so submit them again. Not a
        // try of the chunk (they may never have run), and the other chunks' results are kept.
        if (!(err instanceof CallLostError) || ctx.signal?.aborted) throw err;
        if (lost >= caller.maxLostResubmits) throw new CallLostTooOftenError(functionName, lost + 1, caller.url);
      }
    }
  };
}
