// The batcher of one function version (DESIGN §4): rows from any number of calls share one buffer
// (the store's stream); a batch is cut when the buffer holds maxBatchingSize rows, or
// maxBufferDuration ms after the OLDEST buffered row arrived, whichever comes first. A failed batch
// is retried with backoff, then split in halves to isolate bad rows; each row ends with a status.
import type { TimerApi } from '../core/types';
import { sleep } from '../core/timers';
import { backoffDelayMs } from '../core/backoff';
import { CANCELLED_STATUS } from './errors';
import type { QueueStore, QueuedRow, RowOutcome } from './store';

/** What running one batch yields: one value per row, optional per-row errors. */
export interface ExecutedBatch {
  values: ReadonlyArray<unknown>;
  errors?: ReadonlyArray<string | null | undefined>;
}

/** Runs one batch (in a worker); rejects when the whole invocation failed. */
export type BatchExecutor = (rows: QueuedRow[], attempt: number) => Promise<ExecutedBatch>;

/** Observations for metrics. All optional. */
export interface BatcherEvents {
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
   * Batches running at once (default unlimited). The queue sets the pool size: rows then wait in
   * the store, not in a worker queue, so a cancel can still drop them and late rows still join.
   */
  maxInFlight?: number;
  events?: BatcherEvents;
}

function message(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  return String(err);
}

export class Batcher {
  private timer: unknown = undefined;
  private timerDue = 0;
  private evaluating = false;
  private again = false;
  private stopped = false;
  /** Cut every waiting row now, ignoring maxBufferDuration (shutdown and drain). */
  private flushing = false;
  private readonly running = new Set<QueuedRow[]>();
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly opts: BatcherOptions) {}

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
      do {
        this.again = false;
        if (this.stopped) break;
        const { store, stream, maxBatchingSize, maxBufferDuration, timers } = this.opts;
        const { rows, oldestAt } = await store.pending(stream);
        if (rows === 0 || oldestAt === null) {
          this.clearTimer();
          break;
        }
        if (this.running.size >= (this.opts.maxInFlight ?? Infinity)) break; // a finishing batch re-notifies
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
    } finally {
      this.evaluating = false;
      this.checkDrained();
    }
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
  }

  private launch(rows: QueuedRow[]): void {
    this.running.add(rows);
    void this.runBatch(rows)
      .catch(() => undefined) // runBatch records every failure as row statuses; nothing escapes.
      .finally(() => {
        this.running.delete(rows);
        if (this.opts.maxInFlight !== undefined) this.notify();
        this.checkDrained();
      });
  }

  private async runBatch(rows: QueuedRow[]): Promise<void> {
    const { store, stream } = this.opts;
    // Rows of calls cancelled (or deleted) after they were claimed never start.
    const live: QueuedRow[] = [];
    const dropped: RowOutcome[] = [];
    const states = new Map<string, boolean>();
    for (const r of rows) {
      let ok = states.get(r.callId);
      if (ok === undefined) states.set(r.callId, (ok = (await store.getCall(r.callId))?.state === 'pending'));
      if (ok) live.push(r);
      else dropped.push({ callId: r.callId, index: r.index, value: null, error: CANCELLED_STATUS });
    }
    if (dropped.length) this.finish(await store.complete(stream, dropped));
    if (!live.length) return;
    this.opts.events?.batchStarted?.(live.length);
    const outcomes = await this.runIsolating(live, this.opts.retries);
    const failed = outcomes.filter((o) => o.error).length;
    if (failed) this.opts.events?.rowsFailed?.(failed);
    this.opts.events?.rowsDone?.(outcomes.length);
    this.finish(await store.complete(stream, outcomes));
  }

  private finish(callIds: string[]): void {
    if (callIds.length) this.opts.onCallsFinished(callIds);
  }

  /** Retries the whole batch, then splits it in halves (one attempt each) down to single rows. */
  private async runIsolating(rows: QueuedRow[], retries: number): Promise<RowOutcome[]> {
    const { execute, timers, retryBackoffMs = 100 } = this.opts;
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await execute(rows, attempt);
        return rows.map((r, i) => {
          const error = out.errors?.[i];
          return error ? { callId: r.callId, index: r.index, value: null, error } : { callId: r.callId, index: r.index, value: out.values[i] };
        });
      } catch (err) {
        if (attempt <= retries && !this.stopped) {
          this.opts.events?.retried?.(attempt, err);
          await sleep(backoffDelayMs(attempt, retryBackoffMs, timers.random), timers);
          continue;
        }
        if (rows.length === 1 || this.stopped) {
          const error = message(err);
          return rows.map((r) => ({ callId: r.callId, index: r.index, value: null, error }));
        }
        const mid = Math.ceil(rows.length / 2);
        const [left, right] = await Promise.all([this.runIsolating(rows.slice(0, mid), 0), this.runIsolating(rows.slice(mid), 0)]);
        return [...left, ...right];
      }
    }
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
    void this.isIdle().then((idle) => {
      if (!idle) return;
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    });
  }

  /**
   * Stops cutting batches and hands every unfinished row back with `status` (shutdown after the
   * grace period): waiting rows and rows of batches still running. A late real outcome of a
   * running batch is then ignored by the store (first outcome wins).
   */
  async handBack(status: string): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const { store, stream } = this.opts;
    const outcomes: RowOutcome[] = [];
    for (;;) {
      const rows = await store.claim(stream, 4096);
      if (!rows.length) break;
      for (const r of rows) outcomes.push({ callId: r.callId, index: r.index, value: null, error: status });
    }
    for (const rows of this.running) for (const r of rows) outcomes.push({ callId: r.callId, index: r.index, value: null, error: status });
    if (outcomes.length) this.finish(await store.complete(stream, outcomes));
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
