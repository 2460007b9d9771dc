// The batcher of one function version (DESIGN §4): rows from any number of calls share one buffer
// (the store's stream); a batch is cut when the buffer holds maxBatchingSize rows, or
// maxBufferDuration ms after the OLDEST buffered row arrived, whichever comes first. A failed batch
// is retried with backoff (core/retry.ts), then split to isolate bad rows (core/isolate.ts: parts one
// after another in the batch's slot, so maxInFlight holds during isolation); each row ends with a
// status. Two failures skip the retries (running the same rows again would fail the same way, at a
// high price): a batch past its deadline runs its rows one by one, each once, so one hanging row
// costs two deadlines; a batch that ran out of memory is split in halves at once.
import type { TimerApi } from '../core/types';
import { backoffDelayMs, retry, type RetryPolicy } from '../core/retry';
import { isolateFailures } from '../core/isolate';
import { rowErrorFrom } from '../core/row-error';
import type { RowError } from '../core/types';
import { CANCELLED_STATUS } from './errors';
import type { QueueStore, QueuedRow, RowOutcome } from './store';

/** What running one batch yields: one value per row, optional per-row errors. */
interface ExecutedBatch {
  values: ReadonlyArray<unknown>;
  errors?: ReadonlyArray<RowError | null | undefined>;
}

/**
 * Runs one batch (in a worker); rejects when the whole invocation failed. `signal` aborts when every
 * call with rows in the batch was cancelled.
 */
export type BatchExecutor = (rows: QueuedRow[], attempt: number, signal: AbortSignal) => Promise<ExecutedBatch>;

/** A running batch: its calls, which of them were cancelled, and how to stop it. */
interface RunningBatch {
  calls: Set<string>;
  cancelled: Set<string>;
  abort: AbortController;
}

/** Observations for metrics. All optional. */
interface BatcherEvents {
  batchStarted?(rows: number): void;
  retried?(attempt: number, error: unknown): void;
  rowsFailed?(rows: number): void;
  rowsDone?(rows: number): void;
}

export interface BatcherOptions {
  stream: string;
  maxBatchingSize: number;
  maxBufferDuration: number;
  retries: number;
  store: QueueStore;
  timers: TimerApi;
  execute: BatchExecutor;
  /** Calls whose last row just got its outcome. */
  onCallsFinished(callIds: string[]): void;
  /** Base of exponential backoff with full jitter between retries (default 100 ms). */
  retryBackoffMs?: number;
  /**
   * Batches running at once (default unlimited). The queue sets the pool's capacity (workers × the
   * batches each holds): rows beyond it wait in the store, not in a worker queue, so a cancel can
   * still drop them and late rows still join.
   */
  maxInFlight?: number | (() => number);
  events?: BatcherEvents;
  /**
   * A store call failed (e.g. Redis is down). The batcher never lets it escape: it retries with
   * backoff on its own (claimed rows keep their outcomes until the store takes them).
   */
  onStoreError?(err: unknown, where: string): void;
  /** A store call succeeded (after a failure this marks the store healthy again). */
  onStoreOk?(): void;
}

/** Backoff between store retries while the store is unreachable: forever, 100 ms to 5 s apart. */
const STORE_RETRY: RetryPolicy = { retries: Infinity, baseMs: 200, capMs: 4_900, minMs: 100 };

/** Failures that retrying the same rows would repeat: the batch is split at once instead. */
const SPLIT_AT_ONCE = new Set(['WorkerOutOfMemoryError']);
/** Failures that cost a whole deadline: the batch's rows run one by one, each once. */
const ONE_BY_ONE = new Set(['BatchTimeoutError']);

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

export class Batcher {
  private timer: unknown = undefined;
  private timerDue = 0;
  private evaluating = false;
  private again = false;
  private stopped = false;
  /** Cut every waiting row now, ignoring maxBufferDuration (shutdown and drain). */
  private flushing = false;
  private readonly running = new Map<QueuedRow[], RunningBatch>();
  private drainWaiters: Array<() => void> = [];
  /** Running rows were released to the shared stream (shutdown): their late outcomes are dropped. */
  private released = false;
  /** Shutdown began: cut no new batches (running ones go on). */
  private halted = false;
  /** Settles when a running batch has recorded its outcomes (or given up). */
  private readonly tasks = new Map<QueuedRow[], Promise<void>>();
  /** Consecutive failed store calls of evaluate(), for the retry backoff. */
  private storeFailures = 0;
  private retryTimer: unknown = undefined;

  constructor(private readonly opts: BatcherOptions) {}

  private maxInFlight(): number {
    const m = this.opts.maxInFlight;
    return typeof m === 'function' ? m() : (m ?? Infinity);
  }

  /** Batches currently running (or waiting for a worker). */
  get inFlightBatches(): number {
    return this.running.size;
  }

  /** Rows were appended to the stream (or time passed): apply the size and duration triggers. */
  notify(): void {
    if (this.evaluating) {
      this.again = true;
      return;
    }
    void this.evaluate();
  }

  private async evaluate(): Promise<void> {
    this.evaluating = true;
    try {
      await this.evaluateLoop();
      this.storeFailures = 0;
    } catch (err) {
      // The store failed (pending or claim): nothing to cut now; look again after a backoff.
      this.storeFailed(err, 'evaluate');
    } finally {
      this.evaluating = false;
      // A notify() that came after evaluateLoop's last check (between its return and here) would
      // otherwise be lost; after a store failure the retry timer looks again instead.
      if (this.again && this.retryTimer === undefined) this.notify();
      this.checkDrained();
    }
  }

  private storeFailed(err: unknown, where: string): void {
    this.opts.onStoreError?.(err, where);
    if (this.stopped || this.retryTimer !== undefined) return;
    this.storeFailures++;
    const delay = backoffDelayMs(this.storeFailures, STORE_RETRY, this.opts.timers.random);
    this.retryTimer = this.opts.timers.setTimeout(() => {
      this.retryTimer = undefined;
      this.notify();
    }, delay);
  }

  /**
   * Runs a store call until it succeeds, backing off while the store is down: outcomes of a batch
   * that ran must reach the store, not be dropped. Gives up (rethrows) only once stopped.
   */
  private async persist<T>(where: string, op: () => Promise<T>): Promise<T> {
    return retry(
      async (attempt) => {
        const out = await op();
        if (attempt > 1) this.opts.onStoreOk?.();
        return out;
      },
      {
        policy: STORE_RETRY,
        timers: this.opts.timers,
        decide: (err) => {
          this.opts.onStoreError?.(err, where);
          return this.stopped ? 'stop' : 'retry';
        },
      },
    );
  }

  private async evaluateLoop(): Promise<void> {
    do {
      this.again = false;
      if (this.stopped || this.halted) break;
      const { store, stream, maxBatchingSize, maxBufferDuration, timers } = this.opts;
      const { rows, oldestAt } = await store.pending(stream);
      if (rows === 0 || oldestAt === null) {
        this.clearTimer();
        break;
      }
      if (this.running.size >= this.maxInFlight()) break; // a finishing batch re-notifies
      const now = timers.now();
      const due = oldestAt + maxBufferDuration;
      if (rows >= maxBatchingSize || now >= due || this.flushing) {
        const batch = await store.claim(stream, maxBatchingSize);
        if (batch.length) this.launch(batch);
        this.again = true;
      } else {
        this.armTimer(due, due - now);
      }
    } while (this.again);
    if (this.storeFailures) this.opts.onStoreOk?.();
  }

  private armTimer(due: number, ms: number): void {
    if (this.timer !== undefined && this.timerDue === due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = this.opts.timers.setTimeout(() => {
      this.timer = undefined;
      this.notify();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.opts.timers.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.retryTimer !== undefined) this.opts.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private launch(rows: QueuedRow[]): void {
    this.running.set(rows, { calls: new Set(rows.map((r) => r.callId)), cancelled: new Set(), abort: new AbortController() });
    const task = this.runBatch(rows)
      // runBatch records every failure as row statuses and retries the store until stopped.
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(rows);
        this.tasks.delete(rows);
        if (this.opts.maxInFlight !== undefined) this.notify();
        this.checkDrained();
      });
    this.tasks.set(rows, task);
  }

  private async runBatch(rows: QueuedRow[]): Promise<void> {
    const { store, stream } = this.opts;
    // Rows of calls cancelled (or deleted) after they were claimed never start.
    const live: QueuedRow[] = [];
    const dropped: RowOutcome[] = [];
    const states = new Map<string, boolean>();
    for (const r of rows) {
      let ok = states.get(r.callId);
      if (ok === undefined) states.set(r.callId, (ok = (await this.persist('getCall', () => store.getCall(r.callId)))?.state === 'pending'));
      if (ok) live.push(r);
      else dropped.push({ callId: r.callId, index: r.index, value: null, error: CANCELLED_STATUS });
    }
    if (dropped.length) this.finish(await this.persist('complete', () => store.complete(stream, dropped)));
    if (!live.length) return;
    const batch = this.running.get(rows);
    if (!batch) return;
    batch.calls = new Set(live.map((r) => r.callId));
    // A cancel that came while the calls' states were read.
    if ([...batch.calls].every((id) => batch.cancelled.has(id))) batch.abort.abort();
    this.opts.events?.batchStarted?.(live.length);
    const outcomes = await this.runIsolating(live, this.opts.retries, batch.abort.signal);
    // Released at shutdown: another server runs these rows now and records their outcomes.
    if (this.released) return;
    const failed = outcomes.filter((o) => o.error).length;
    if (failed) this.opts.events?.rowsFailed?.(failed);
    this.opts.events?.rowsDone?.(outcomes.length);
    this.finish(await this.persist('complete', () => store.complete(stream, outcomes)));
  }

  private finish(callIds: string[]): void {
    if (callIds.length) this.opts.onCallsFinished(callIds);
  }

  /**
   * A call was cancelled: a running batch all of whose calls are now cancelled is stopped (its
   * worker terminated if it runs). Rows of other calls keep their batch running.
   */
  cancelled(callId: string): void {
    for (const batch of this.running.values()) {
      if (!batch.calls.has(callId)) continue;
      batch.cancelled.add(callId);
      if ([...batch.calls].every((id) => batch.cancelled.has(id))) batch.abort.abort();
    }
  }

  /**
   * Retries the whole batch, then isolates its bad rows (one try per part, parts one after another).
   * Out of memory: no retries, split in halves at once. Past its deadline: each row alone, once.
   * Cancelled (every call of the batch): the rows not yet run get the cancelled status.
   */
  private async runIsolating(rows: QueuedRow[], retries: number, signal: AbortSignal): Promise<RowOutcome[]> {
    const { execute, timers, retryBackoffMs = 100 } = this.opts;
    const failRows = (part: QueuedRow[], error: RowError): RowOutcome[] => part.map((r) => ({ callId: r.callId, index: r.index, value: null, error }));
    const runPart = async (part: QueuedRow[], attempt: number): Promise<RowOutcome[]> => {
      if (signal.aborted) return failRows(part, CANCELLED_STATUS);
      const out = await execute(part, attempt, signal);
      return part.map((r, i) => {
        const error = out.errors?.[i];
        return error ? { callId: r.callId, index: r.index, value: null, error } : { callId: r.callId, index: r.index, value: out.values[i] };
      });
    };
    let cause: unknown;
    try {
      return await retry((attempt) => runPart(rows, attempt), {
        policy: { retries, baseMs: retryBackoffMs },
        timers,
        signal,
        decide: (err, failures) => {
          const name = errorName(err);
          if (signal.aborted || this.stopped || SPLIT_AT_ONCE.has(name) || ONE_BY_ONE.has(name)) return 'stop';
          if (failures <= retries) this.opts.events?.retried?.(failures, err);
          return 'retry';
        },
      });
    } catch (err) {
      cause = err;
    }
    return isolateFailures<RowOutcome[]>(0, rows.length, cause, {
      run: (off, n) => runPart(rows.slice(off, off + n), 1),
      fail: (off, n, err) => failRows(rows.slice(off, off + n), signal.aborted ? CANCELLED_STATUS : rowErrorFrom(err)),
      concat: (parts) => parts.flat(),
      split: (err) => (signal.aborted || this.stopped ? 'stop' : ONE_BY_ONE.has(errorName(err)) ? 'rows' : 'halves'),
    });
  }

  /** Resolves once no row waits in the stream and no batch runs (redeploy drain, shutdown). */
  async drain(opts: { flush?: boolean } = {}): Promise<void> {
    if (opts.flush) {
      this.flushing = true;
      this.notify();
    }
    await new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.checkDrained();
    });
  }

  private async isIdle(): Promise<boolean> {
    return !this.evaluating && this.running.size === 0 && (await this.opts.store.pending(this.opts.stream)).rows === 0;
  }

  private checkDrained(): void {
    if (!this.drainWaiters.length) return;
    // A store failure here is not idle: the retrying evaluate() calls this again.
    void this.isIdle().then((idle) => {
      if (!idle) return;
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }, () => undefined);
  }

  /**
   * Stops cutting batches and hands every unfinished row back with `status` (shutdown after the
   * grace period): waiting rows and rows of batches still running. A late real outcome of a
   * running batch is then ignored by the store (first outcome wins).
   */
  async handBack(status: RowError): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const { store, stream } = this.opts;
    const outcomes: RowOutcome[] = [];
    try {
      for (;;) {
        const rows = await store.claim(stream, 4096);
        if (!rows.length) break;
        for (const r of rows) outcomes.push({ callId: r.callId, index: r.index, value: null, error: status });
      }
      for (const rows of this.running.keys()) for (const r of rows) outcomes.push({ callId: r.callId, index: r.index, value: null, error: status });
      if (outcomes.length) this.finish(await store.complete(stream, outcomes));
    } catch (err) {
      // The store is down: nothing more can be recorded; shutdown goes on.
      this.opts.onStoreError?.(err, 'handBack');
    }
    this.wakeDrainWaiters();
  }

  /**
   * Shutdown on a SHARED store: stops cutting batches and puts the rows of batches still running
   * back at the head of the stream (in order) for the other servers; their late outcomes here are
   * dropped. Waiting rows are left alone: they belong to the queue, not to this server.
   */
  async releaseInFlight(): Promise<void> {
    this.stopped = true;
    this.released = true;
    this.clearTimer();
    const rows = [...this.running.keys()].flat();
    try {
      if (rows.length) await this.opts.store.release(this.opts.stream, rows);
    } catch (err) {
      // Not lost: a shared store hands a gone process's rows to the others after its reclaim timeout.
      this.opts.onStoreError?.(err, 'release');
    }
    this.wakeDrainWaiters();
  }

  /** Waits (until `until` resolves) for the batches running now; cuts no new ones. */
  async settle(until: Promise<void>): Promise<void> {
    this.halted = true;
    this.clearTimer();
    await Promise.race([Promise.all(this.tasks.values()), until]);
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  /** Stops timers (after drain or hand-back). */
  dispose(): void {
    this.stopped = true;
    this.clearTimer();
  }
}
