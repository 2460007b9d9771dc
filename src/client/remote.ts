// The seed's remote API: `new Remote({ url, apiKey }).function(name, { outputType })` gives a
// RemoteFunction whose chunkedCall runs on the shared engine (src/core), so ordering, timeouts,
// retries, cancel and progress behave exactly as with the local backend; only "run one batch"
// differs (an HTTP call on the function-queue server). Browser-safe: fetch only, no node:* imports.
import { Field, Float32, List, type DataType, type RecordBatch, type Table } from 'apache-arrow';
import { chunkedCall } from '../core/chunked-call';
import { deferBatch, type DeferBatchOptions } from '../core/defer-batch';
import type { EmbedFunction } from '../core/embed-function';
import type { BatchFunction, BatchHandle, CallInput, ChunkedCallOptions, ChunkedCallResult, TimerApi } from '../core/types';
import { AdaptiveLimiter } from './adaptive-limiter';
import { guardFatal } from './fatal-errors';
import { HttpTransport, type FetchLike, type FunctionInfo, type HealthInfo } from './http-transport';
import { createRemoteBatchFunction, createRemoteCaller, type RemoteBatchOptions, type RemoteCaller } from './remote-batch';

/** What Remote's methods answer with: part of Remote's public surface. */
export type { FunctionInfo, HealthInfo } from './http-transport';

/** list<float32>: the output type of every embedding function. */
export function embeddingType(): List<Float32> {
  return new List(new Field('item', new Float32(), true));
}

export interface RemoteOptions {
  /** Server base URL, e.g. http://127.0.0.1:7711, or "/api" for the app's same-origin queue. */
  url: string;
  /** Bearer key for every route (the server's --api-key). */
  apiKey?: string;
  /** Key for deploy (the server's --admin-key); defaults to apiKey. */
  adminKey?: string;
  /** Injected fetch (tests, proxies, auth wrappers); defaults to globalThis.fetch. */
  fetch?: FetchLike;
  /** Injected timers for 429 waits and handle timeouts (fake timers in tests). */
  timers?: TimerApi;
  /** Ceiling of the adaptive per-function concurrency (default 64; concurrentChunks bounds first). */
  maxConcurrency?: number;
}

export interface RemoteFunctionOptions {
  /** Arrow type of the function's result column (default list<float32>, i.e. embeddings). */
  outputType?: DataType;
  /** Seconds per long-poll request (default 30). */
  pollSeconds?: number;
  /** Consecutive 429s one chunk waits out before failing (default 50). */
  maxRateLimitWaits?: number;
  /** 503 StoreUnavailableError answers one chunk waits out (Retry-After each) before failing (default 12). */
  maxStoreWaits?: number;
  /**
   * Seconds the submit may wait for the result (`?wait=S`; default pollSeconds, capped by the
   * chunk's remaining timeout): a fast chunk is one round trip. 0 = plain submit + long-poll.
   */
  submitWaitSeconds?: number;
  onRateLimited?: RemoteBatchOptions['onRateLimited'];
}

export class RemoteFunction<T = unknown> implements EmbedFunction<T> {
  readonly outputType: DataType;
  /** The engine-facing backend: run one batch as one remote call. */
  readonly batchFunction: BatchFunction<T>;

  constructor(
    readonly name: string,
    private readonly caller: RemoteCaller,
    outputType: DataType,
    private readonly timers: TimerApi | undefined,
    private readonly answered: () => number,
  ) {
    this.outputType = outputType;
    this.batchFunction = createRemoteBatchFunction<T>(caller, name, { timers });
  }

  /** The batch function for one call: its `?wait` ends before the per-chunk timeout does. */
  private forTimeout(timeoutS: number | undefined): BatchFunction<T> {
    if (timeoutS === undefined || timeoutS === null) return this.batchFunction;
    return createRemoteBatchFunction<T>(this.caller, this.name, { timeoutS, timers: this.timers });
  }

  /**
   * Splits `args` (one column per function argument) into chunks, runs them on the server with at
   * most `concurrentChunks` in flight (fewer while the server answers 429), and returns a Table
   * whose `result` row i belongs to input row i (or streams it to `opts.sink`). `args` may also be
   * an AsyncIterable of record batches, read as the call goes.
   */
  async chunkedCall(args: CallInput, opts: ChunkedCallOptions): Promise<ChunkedCallResult> {
    const guard = guardFatal(this.forTimeout(opts.timeout), opts.signal, this.answered);
    try {
      return await chunkedCall(args, guard.fn, { timers: this.timers, ...opts, signal: guard.signal, outputType: this.outputType });
    } catch (err) {
      throw guard.translate(err);
    } finally {
      guard.dispose();
    }
  }

  /**
   * Submits one batch now (as one remote call) and returns a handle at once:
   * `await handle.get({ timeout })` (seconds; the call keeps running past it), `handle.cancel()`
   * (sends DELETE /calls/:id), `handle.status`. Same per-batch timeout/retries as chunkedCall.
   */
  deferBatch(batch: RecordBatch | Table, opts: DeferBatchOptions = {}): BatchHandle<T> {
    const guard = guardFatal(this.forTimeout(opts.timeout), opts.signal, this.answered);
    const inner = deferBatch<T>(batch, guard.fn, { timers: this.timers, ...opts, signal: guard.signal, outputType: this.outputType });
    const settled = inner.get().then(
      (v) => (guard.dispose(), v),
      (e: unknown) => {
        guard.dispose();
        throw guard.translate(e);
      },
    );
    settled.catch(() => undefined); // nobody has to call get()
    return {
      id: inner.id,
      get status() {
        return guard.fatal() !== undefined ? 'failed' : inner.status;
      },
      cancel: () => inner.cancel(),
      get: (getOpts) => (getOpts?.timeout === undefined ? settled : inner.get(getOpts).catch((e: unknown) => {
        throw guard.translate(e);
      })),
    };
  }
}

export class Remote {
  readonly url: string;
  private readonly transport: HttpTransport;
  private readonly limiters = new Map<string, AdaptiveLimiter>();

  constructor(private readonly opts: RemoteOptions) {
    this.transport = new HttpTransport(opts);
    this.url = this.transport.baseUrl;
  }

  /** A handle on a deployed function. Nothing is sent until you call it. */
  function<T = unknown>(name: string, fnOpts: RemoteFunctionOptions = {}): RemoteFunction<T> {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new TypeError(`remote.function(name) needs a function name like "embed", got ${JSON.stringify(name)}.`);
    }
    // One limiter per function, shared by every call and handle: 429s from one chunkedCall slow
    // down the others too, since they compete for the same server queue.
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new AdaptiveLimiter({ max: this.opts.maxConcurrency ?? 64 });
      this.limiters.set(name, limiter);
    }
    const caller = createRemoteCaller({
      transport: this.transport,
      functionName: name,
      limiter,
      timers: this.opts.timers,
      pollSeconds: fnOpts.pollSeconds,
      maxRateLimitWaits: fnOpts.maxRateLimitWaits,
      maxStoreWaits: fnOpts.maxStoreWaits,
      submitWaitSeconds: fnOpts.submitWaitSeconds,
      onRateLimited: fnOpts.onRateLimited,
    });
    return new RemoteFunction<T>(name, caller, fnOpts.outputType ?? embeddingType(), this.opts.timers, () => this.transport.answers);
  }

  /** The adaptive limiter of one function (for progress UIs: current limit, active calls). */
  limiter(name: string): AdaptiveLimiter | undefined {
    return this.limiters.get(name);
  }

  /** GET /health. Throws RemoteNetworkError / RemoteAuthError with a message fit for the UI. */
  health(signal?: AbortSignal): Promise<HealthInfo> {
    return this.transport.health(signal);
  }

  /** GET /functions: what is deployed, with config and stats. */
  listFunctions(signal?: AbortSignal): Promise<FunctionInfo[]> {
    return this.transport.listFunctions(signal);
  }

  /** POST /functions with the admin key: deploy or update (what `embedbook deploy` sends). */
  deploy(definition: Record<string, unknown>, bundle: string): Promise<{ name: string; version: number | string }> {
    return this.transport.deploy(definition, bundle);
  }
}
