// The queue store's cross-server events (QueueStore.watch): a call finished by another server wakes
// this one's long-polls at once, and rows appended through another server wake this one's batcher
// (an idle server then joins in). Retries with backoff while the store is down; never rejects.
import type { TimerApi } from '../core/types';
import type { QueueEvents, QueueStore } from './store';
import type { StoreHealth } from './store-health';
import { backoffDelayMs, type BackoffPolicy } from '../core/retry';

/** Re-subscribing to the store's events while it is down: 100 ms to 5 s apart, jittered. */
const WATCH_RETRY: BackoffPolicy = { baseMs: 400, capMs: 4_900, minMs: 100 };

export class QueueWatch {
  /** Settles once subscribed (at once when the store has no events). */
  readonly ready: Promise<void>;
  private stop: (() => void) | undefined;
  private retry: unknown;
  private closed = false;

  constructor(
    private readonly store: QueueStore,
    private readonly timers: TimerApi,
    private readonly health: StoreHealth,
    private readonly events: QueueEvents,
  ) {
    this.ready = store.watch ? this.subscribe(1) : Promise.resolve();
  }

  private async subscribe(attempt: number): Promise<void> {
    try {
      const stop = await this.store.watch?.(this.events);
      if (this.closed) stop?.();
      else this.stop = stop;
    } catch (err) {
      this.health.failed(err, 'watch');
      if (this.closed) return;
      // Retried in the background (polls do not wait for it): meanwhile pollers wake at their own
      // timeouts and batchers on their own timers.
      const delay = backoffDelayMs(attempt, WATCH_RETRY, this.timers.random);
      this.retry = this.timers.setTimeout(() => {
        this.retry = undefined;
        if (!this.closed) void this.subscribe(attempt + 1);
      }, delay);
    }
  }

  close(): void {
    this.closed = true;
    this.stop?.();
    this.stop = undefined;
    if (this.retry !== undefined) this.timers.clearTimeout(this.retry);
  }
}
