// The store guard: every store call a request makes goes through run(), so a failing store (or
// one that does not answer within the timeout) becomes a 503 StoreUnavailableError naming the
// cause, and the outcome is reported to StoreHealth (/health, /metrics, one log line per outage).
import type { TimerApi } from '../core/types';
import { withDeadline } from '../core/retry';
import { StoreUnavailableError, StreamRetiredError } from './errors';
import type { QueueStore } from './store';
import type { StoreHealth, StoreHealthSnapshot } from './store-health';

export class StoreGuard {
  /**
   * `timeoutMs`: a store call taking longer answers 503 (0 = no limit, for the in-memory store,
   * which cannot hang).
   */
  constructor(
    private readonly store: QueueStore,
    private readonly health: StoreHealth,
    private readonly timers: TimerApi,
    private readonly timeoutMs: number,
  ) {}

  /** Runs `op`; a failure or no answer within the timeout throws StoreUnavailableError (503). */
  async run<T>(where: string, op: () => Promise<T>): Promise<T> {
    const limit = this.timeoutMs;
    try {
      const out = await withDeadline(op(), limit, this.timers, () => new Error(`no answer within ${limit} ms`));
      this.health.succeeded();
      return out;
    } catch (err) {
      // An answer, not a failure: the store works, the stream was retired (the queue re-routes).
      if (err instanceof StreamRetiredError) {
        this.health.succeeded();
        throw err;
      }
      this.health.failed(err, where);
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }

  /** For /health: asks the store once (a cheap depth query) and reports what it found. */
  async check(): Promise<StoreHealthSnapshot> {
    try {
      await this.run('health', () => this.store.depth());
    } catch {
      // Recorded in the health by run().
    }
    return this.health.snapshot();
  }
}
